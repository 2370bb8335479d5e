package main

import (
	"slices"
	"testing"
)

func TestMissingResourcesNamesTheTemplateResourcesTheStackLacks(t *testing.T) {
	body := `{"Resources": {"B": {"Type": "AWS::SNS::TopicPolicy"}, "A": {"Type": "AWS::ImageBuilder::DistributionConfiguration"}, "C": {"Type": "AWS::SNS::Topic"}}}`
	got := missingResources(body, map[string]bool{"C": true})
	want := []templateResource{{"A", "AWS::ImageBuilder::DistributionConfiguration"}, {"B", "AWS::SNS::TopicPolicy"}}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}
