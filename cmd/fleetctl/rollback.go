package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/immutable-server/golden-fleet/config"
)

// Pure rollback logic: no AWS calls, unit-tested in rollback_test.go.

// Outputs are the fleet stack's outputs fleetctl needs.
type Outputs struct {
	GoldenAmiParameter   string
	LaunchTemplateID     string
	AutoScalingGroupName string
}

// ParseOutputs picks the fleet stack's outputs out of key/value pairs.
func ParseOutputs(stack string, kv map[string]string) (Outputs, error) {
	o := Outputs{
		GoldenAmiParameter:   kv["GoldenAmiParameter"],
		LaunchTemplateID:     kv["LaunchTemplateId"],
		AutoScalingGroupName: kv["AutoScalingGroupName"],
	}
	var missing []string
	if o.GoldenAmiParameter == "" {
		missing = append(missing, "GoldenAmiParameter")
	}
	if o.LaunchTemplateID == "" {
		missing = append(missing, "LaunchTemplateId")
	}
	if o.AutoScalingGroupName == "" {
		missing = append(missing, "AutoScalingGroupName")
	}
	if len(missing) > 0 {
		return o, fmt.Errorf("stack %s has no output %s: is it a golden-fleet fleet stack (golden-fleet-<env>-fleet)?",
			stack, strings.Join(missing, ", "))
	}
	return o, nil
}

// ParamVersion is one entry of an SSM parameter's history.
type ParamVersion struct {
	Version int64
	Value   string
}

// ValidAMI reports whether s looks like an AMI id.
func ValidAMI(s string) bool { return config.IsAmiID(s) }

// RollbackTarget returns the parameter's current value and the AMI to roll
// back to. With to set, that is the target. Otherwise it is the newest value
// in the history that differs from the current one: the golden AMI before
// the current one, even when a build wrote the same AMI twice.
func RollbackTarget(history []ParamVersion, to string) (current, target string, err error) {
	if len(history) == 0 {
		return "", "", fmt.Errorf("the golden parameter has no history")
	}
	h := slices.Clone(history)
	slices.SortFunc(h, func(a, b ParamVersion) int { return int(a.Version - b.Version) })
	current = h[len(h)-1].Value
	if to != "" {
		if !ValidAMI(to) {
			return current, "", fmt.Errorf("--to %q: want an AMI id (ami- and 8 or 17 hex digits)", to)
		}
		if to == current {
			return current, "", fmt.Errorf("the golden AMI is already %s: nothing to roll back", to)
		}
		return current, to, nil
	}
	for i := len(h) - 2; i >= 0; i-- {
		if h[i].Value != current {
			if !ValidAMI(h[i].Value) {
				return current, "", fmt.Errorf("the previous golden value (version %d) is %q, not an AMI id: pass --to ami-…", h[i].Version, h[i].Value)
			}
			return current, h[i].Value, nil
		}
	}
	return current, "", fmt.Errorf("every version of the golden parameter holds %s: there is no earlier golden AMI to roll back to (pass --to ami-…)", current)
}

// LTVersion is one launch template version.
type LTVersion struct {
	Number  int64
	ImageID string
	Default bool
}

// DefaultVersionFor returns the newest version whose image id is ami: the
// version Image Builder wrote when it distributed ami, with the launch
// template data of that time. ok is false when no version carries ami
// (for example the seed image, which only the parameter ever held).
func DefaultVersionFor(versions []LTVersion, ami string) (number int64, ok bool) {
	for _, v := range versions {
		if v.ImageID == ami && v.Number > number {
			number, ok = v.Number, true
		}
	}
	return number, ok
}

// PipelineHint names the image pipeline that feeds a fleet stack, and the
// stack it is in, from the app's naming (config.PipelineOfFleetStack);
// empty when stack is not named like a fleet stack.
func PipelineHint(stack string) (pipeline, factoryStack string) {
	pipeline, factoryStack, _ = config.PipelineOfFleetStack(stack)
	return pipeline, factoryStack
}

// GroupVersionWarning checks that the launch template version the group
// launches resolves the golden parameter at launch. If it carries a
// literal AMI (an Image Builder version), writing the parameter does not
// reach the group's launches; the returned text says so. groupVersion is
// the group's LaunchTemplate.Version: a number, $Default or $Latest.
func GroupVersionWarning(groupVersion string, versions []LTVersion, parameter string) string {
	var v *LTVersion
	for k := range versions {
		switch {
		case groupVersion == "$Default" && versions[k].Default,
			groupVersion == "$Latest" && (v == nil || versions[k].Number > v.Number),
			groupVersion == fmt.Sprint(versions[k].Number):
			v = &versions[k]
		}
	}
	if v == nil {
		return fmt.Sprintf("the group launches launch template version %q, which does not exist", groupVersion)
	}
	if v.ImageID == "resolve:ssm:"+parameter || strings.HasPrefix(v.ImageID, "resolve:ssm:"+parameter+":") {
		return ""
	}
	return fmt.Sprintf("the group launches launch template version %d (%s), whose image is %s, not resolve:ssm:%s: "+
		"the group's launches do not follow the parameter until the fleet stack is deployed with a launch template change",
		v.Number, groupVersion, v.ImageID, parameter)
}
