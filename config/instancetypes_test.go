package config

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

func TestKnownInstanceTypesAreEC2s(t *testing.T) {
	for typ, want := range map[string]bool{
		"t3.micro": true, "m6i.large": true, "t4g.nano": true, "c7gn.16xlarge": true, "mac2.metal": true,
		"t3.huge": false, "q9.large": false, "T3.MICRO": false, "t3micro": false, "": false, "t3.8xlarge": false,
	} {
		if KnownInstanceType(typ) != want {
			t.Errorf("KnownInstanceType(%q) = %v, want %v", typ, !want, want)
		}
	}
}

// InstanceArchitecture, derived from the family's name, agrees with EC2's
// own data (DescribeInstanceTypes ProcessorInfo.SupportedArchitectures,
// as moto ships it) for every instance type both know, and classifies
// every type of the SDK's catalog.
func TestInstanceArchitectureAgreesWithDescribeInstanceTypes(t *testing.T) {
	var described map[string]struct {
		ProcessorInfo struct{ SupportedArchitectures []string }
	}
	readJSON(t, filepath.Join(pythonPackage(t, "moto"), "ec2", "resources", "instance_types.json.gz"), true, &described)
	compared := 0
	families := map[string]bool{}
	for typ, d := range described {
		if !KnownInstanceType(typ) {
			continue
		}
		compared++
		family, _, _ := strings.Cut(typ, ".")
		families[family] = true
		got := InstanceArchitecture(typ)
		// i386 types also run x86_64.
		if !slices.Contains(d.ProcessorInfo.SupportedArchitectures, got) {
			t.Errorf("InstanceArchitecture(%q) = %q, EC2 says %v", typ, got, d.ProcessorInfo.SupportedArchitectures)
		}
	}
	if compared < 1000 || len(families) < 150 {
		t.Errorf("compared only %d instance types of %d families: is moto's data there?", compared, len(families))
	}
	for _, typ := range ec2types.InstanceType("").Values() {
		if a := InstanceArchitecture(string(typ)); a != X86_64 && a != Arm64 && a != X86_64Mac && a != Arm64Mac {
			t.Errorf("InstanceArchitecture(%q) = %q", typ, a)
		}
	}
	// Families the DescribeInstanceTypes data does not have, from EC2's
	// documentation.
	for typ, want := range map[string]string{"p6e-gb200.36xlarge": Arm64, "c9g.large": Arm64, "t8i.micro": X86_64, "mac-m3ultra.metal": Arm64Mac} {
		if got := InstanceArchitecture(typ); got != want {
			t.Errorf("InstanceArchitecture(%q) = %q, want %q", typ, got, want)
		}
	}
	if got := InstanceArchitecture("t3.huge"); got != "" {
		t.Errorf("InstanceArchitecture of an unknown type = %q, want none", got)
	}
}

func TestImageArchitecture(t *testing.T) {
	for image, want := range map[string]string{
		"amazon-linux-2023-x86/x.x.x":                                                        X86_64,
		"amazon-linux-2023-arm64/x.x.x":                                                      Arm64,
		"ubuntu-server-22-lts-arm64/1.x.x":                                                   Arm64,
		"red-hat-enterprise-linux-9-x86/2025.1.x":                                            X86_64,
		"/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64":              X86_64,
		"/aws/service/ami-amazon-linux-latest/al2023-ami-minimal-kernel-default-arm64":       Arm64,
		"/aws/service/ami-amazon-linux-latest/amzn2-ami-kernel-5.10-hvm-arm64-gp2":           Arm64,
		"/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id": X86_64,
		"/aws/service/debian/release/12/latest/arm64":                                        Arm64,
		"/aws/service/bottlerocket/aws-k8s-1.29/x86_64/latest/image_id":                      X86_64,
		// Nothing to go by.
		"ami-0a1b2c3d4e5f60718":     "",
		"/my-team/golden/arm64":     "",
		"my-own-image/x.x.x":        "",
		"/aws/service/x86_64/arm64": "",
		"/aws/service/ami-windows-latest/Windows_Server-2022-English-Full-Base": "",
	} {
		if got := ImageArchitecture(image); got != want {
			t.Errorf("ImageArchitecture(%q) = %q, want %q", image, got, want)
		}
	}
}
