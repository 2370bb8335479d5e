package main

import "testing"

func TestGoldenProblemsAfterADeploy(t *testing.T) {
	ok := []groupInstance{{id: "i-1", lifecycle: "InService", image: x, instanceType: "t3.micro"}, {id: "i-2", lifecycle: "InService", image: x, instanceType: "t3.micro"}, {id: "i-3", lifecycle: "Terminating", image: seed, instanceType: "t3.micro"}}
	if p := goldenProblems(x, 2, ok); len(p) != 0 {
		t.Errorf("every in-service instance on the golden AMI: got problems %q", p)
	}
	for name, tc := range map[string]struct {
		golden    string
		desired   int
		instances []groupInstance
	}{
		"an instance on another AMI":  {x, 2, []groupInstance{{id: "i-1", lifecycle: "InService", image: x, instanceType: ""}, {id: "i-2", lifecycle: "InService", image: y, instanceType: ""}}},
		"below desired capacity":      {x, 2, []groupInstance{{id: "i-1", lifecycle: "InService", image: x, instanceType: ""}, {id: "i-2", lifecycle: "Pending", image: x, instanceType: ""}}},
		"an unresolved image id":      {"resolve:ssm:/p", 1, []groupInstance{{id: "i-1", lifecycle: "InService", image: "resolve:ssm:/p", instanceType: ""}}},
		"an unresolved dynamic value": {"{{resolve:ssm:/p/seed}}", 1, []groupInstance{{id: "i-1", lifecycle: "InService", image: "{{resolve:ssm:/p/seed}}"}}},
	} {
		if p := goldenProblems(tc.golden, tc.desired, tc.instances); len(p) == 0 {
			t.Errorf("%s: no problem found", name)
		}
	}
}
