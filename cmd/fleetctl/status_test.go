package main

import "testing"

func TestGoldenProblemsAfterADeploy(t *testing.T) {
	ok := []groupInstance{{"i-1", "InService", x, "t3.micro"}, {"i-2", "InService", x, "t3.micro"}, {"i-3", "Terminating", seed, "t3.micro"}}
	if p := goldenProblems(x, 2, ok); len(p) != 0 {
		t.Errorf("every in-service instance on the golden AMI: got problems %q", p)
	}
	for name, tc := range map[string]struct {
		golden    string
		desired   int
		instances []groupInstance
	}{
		"an instance on another AMI":  {x, 2, []groupInstance{{"i-1", "InService", x, ""}, {"i-2", "InService", y, ""}}},
		"below desired capacity":      {x, 2, []groupInstance{{"i-1", "InService", x, ""}, {"i-2", "Pending", x, ""}}},
		"an unresolved image id":      {"resolve:ssm:/p", 1, []groupInstance{{"i-1", "InService", "resolve:ssm:/p", ""}}},
		"an unresolved dynamic value": {"{{resolve:ssm:/p/seed}}", 1, []groupInstance{{"i-1", "InService", "{{resolve:ssm:/p/seed}}", ""}}},
	} {
		if p := goldenProblems(tc.golden, tc.desired, tc.instances); len(p) == 0 {
			t.Errorf("%s: no problem found", name)
		}
	}
}
