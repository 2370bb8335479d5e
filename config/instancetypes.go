package config

import (
	"slices"
	"strings"
	"sync"

	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// The catalog of EC2 instance types is the AWS SDK for Go v2's EC2 enum
// (ec2types.InstanceType.Values()): the types EC2's API model lists, so a
// well-formed name of a family or size that does not exist is refused.
// A type newer than the SDK in go.mod is refused too, until the SDK is
// updated (go get github.com/aws/aws-sdk-go-v2/service/ec2).

var instanceTypes = sync.OnceValue(func() map[string]bool {
	out := map[string]bool{}
	for _, t := range ec2types.InstanceType("").Values() {
		out[string(t)] = true
	}
	return out
})

// KnownInstanceType reports whether EC2 has the instance type t.
func KnownInstanceType(t string) bool { return instanceTypes()[t] }

// familySizes lists the sizes EC2 has of the family of t ("t3" of
// "t3.micro"), in the SDK's order; none when the family is unknown.
func familySizes(t string) []string {
	family, _, _ := strings.Cut(t, ".")
	var out []string
	for _, v := range ec2types.InstanceType("").Values() {
		if f, size, _ := strings.Cut(string(v), "."); f == family {
			out = append(out, size)
		}
	}
	return out
}

// Architectures of instance types and images, as EC2 names them
// (DescribeInstanceTypes ProcessorInfo.SupportedArchitectures, an AMI's
// Architecture).
const (
	X86_64    = "x86_64"
	Arm64     = "arm64"
	X86_64Mac = "x86_64_mac"
	Arm64Mac  = "arm64_mac"
)

// armFamilies run on Arm processors without saying so by EC2's naming
// convention: a1 (the first AWS Graviton) and the NVIDIA Grace families.
var armFamilies = map[string]string{"a1": Arm64, "p6e-gb200": Arm64}

// InstanceArchitecture is the processor architecture of a known instance
// type, derived from its family by EC2's instance type naming convention
// (Amazon EC2 Instance Types guide, "Naming conventions"): after the
// series letters and the generation digits come the attribute letters,
// where "g" means AWS Graviton (t4g, m7gd, c6gn, is4gen: arm64) and every
// other family runs x86_64. The mac families are EC2 Mac: mac1 Intel
// (x86_64_mac), the others Apple silicon (arm64_mac). armFamilies holds
// the Arm families the convention does not mark. config's tests check
// this against every instance type of the DescribeInstanceTypes data that
// moto ships. It returns "" for a type EC2 does not have.
func InstanceArchitecture(t string) string {
	if !KnownInstanceType(t) {
		return ""
	}
	family, _, _ := strings.Cut(t, ".")
	if a, ok := armFamilies[family]; ok {
		return a
	}
	if strings.HasPrefix(family, "mac") {
		if family == "mac1" {
			return X86_64Mac
		}
		return Arm64Mac
	}
	// series letters, generation digits, attribute letters, then an
	// optional "-suffix" (c7i-flex, u7i-12tb, p6-b200).
	rest, _, _ := strings.Cut(family, "-")
	rest = strings.TrimLeft(rest, "abcdefghijklmnopqrstuvwxyz")
	attributes := strings.TrimLeft(rest, "0123456789")
	if len(attributes) < len(rest) && strings.Contains(attributes, "g") {
		return Arm64
	}
	return X86_64
}

// ImageArchitecture is the architecture of a parent or seed image when its
// name says it, else "". It knows Amazon-managed Image Builder images,
// whose names end with the architecture ("amazon-linux-2023-x86/x.x.x",
// "ubuntu-server-22-lts-arm64/x.x.x"), and AWS's public SSM parameters
// under /aws/service/, whose paths carry it as one "/" or "-" separated
// part (".../al2023-ami-kernel-default-arm64",
// ".../canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id").
// AMI ids and other parameters say nothing.
func ImageArchitecture(image string) string {
	var parts []string
	switch {
	case strings.HasPrefix(image, "/aws/service/"):
		parts = strings.FieldsFunc(image, func(r rune) bool { return r == '/' || r == '-' })
	case !strings.HasPrefix(image, "/") && !IsAmiID(image):
		name, _, _ := strings.Cut(image, "/")
		if i := strings.LastIndex(name, "-"); i >= 0 {
			parts = []string{name[i+1:]}
		}
	}
	var found []string
	for _, p := range parts {
		switch p {
		case "x86", "x86_64", "amd64":
			found = append(found, X86_64)
		case "arm64", "aarch64":
			found = append(found, Arm64)
		}
	}
	if found = slices.Compact(found); len(found) == 1 {
		return found[0]
	}
	return ""
}
