package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	asgtypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	ibtypes "github.com/aws/aws-sdk-go-v2/service/imagebuilder/types"

	"github.com/immutable-server/golden-fleet/config"
	"github.com/immutable-server/golden-fleet/internal/marks"
	"github.com/immutable-server/golden-fleet/internal/marks/markstest"
)

// world is dev (111111111111) and prod (222222222222) of config.Default(),
// deployed: dev's golden AMI x, built by Image Builder with tests, has run
// healthy in dev's fleet for 50 hours (prod's soak time is 48); prod runs
// the seed.
type world struct {
	dev, prod *fakeAccount
	p         *promoter
	out       *bytes.Buffer
	now       time.Time
}

const (
	devParam  = "/imagebuilder/golden-fleet/dev/golden-ami"
	prodParam = "/imagebuilder/golden-fleet/prod/golden-ami"
	snap      = "snap-0123456789abcdef0"
)

func newWorld(t *testing.T) *world {
	t.Helper()
	now := time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)
	dev := &fakeAccount{
		id:      "111111111111",
		outputs: map[string]map[string]string{"golden-fleet-dev-fleet": {"GoldenAmiParameter": devParam, "LaunchTemplateId": "lt-1", "AutoScalingGroupName": "dev-group"}},
		params:  map[string]string{devParam: x},
		images: map[string]ec2types.Image{x: {ImageId: aws.String(x), State: ec2types.ImageStateAvailable, Name: aws.String("golden-fleet-dev-2025-03-08"),
			CreationDate: aws.String("2025-03-08T09:00:00.000Z"),
			// dev scans ON_DEMAND_AMI_CVE (the default): Amazon Inspector
			// scanned the AMI and found nothing.
			ScanResults:         &ec2types.ScanResults{FindingScanDate: aws.Time(now.Add(-49 * time.Hour))},
			Tags:                []ec2types.Tag{{Key: aws.String("Ec2ImageBuilderArn"), Value: aws.String(ibArn)}, {Key: aws.String(config.EnvironmentTagKey), Value: aws.String("dev")}},
			BlockDeviceMappings: []ec2types.BlockDeviceMapping{{DeviceName: aws.String("/dev/xvda"), Ebs: &ec2types.EbsBlockDevice{SnapshotId: aws.String(snap)}}}}},
		instances: map[string]ec2types.Instance{
			"i-1": {InstanceId: aws.String("i-1"), ImageId: aws.String(x), LaunchTime: aws.Time(now.Add(-50 * time.Hour))},
			"i-2": {InstanceId: aws.String("i-2"), ImageId: aws.String(x), LaunchTime: aws.Time(now.Add(-2 * time.Hour))},
		},
		group: asgtypes.AutoScalingGroup{AutoScalingGroupName: aws.String("dev-group"), Instances: []asgtypes.Instance{
			{InstanceId: aws.String("i-1"), LifecycleState: asgtypes.LifecycleStateInService, HealthStatus: aws.String("Healthy")},
			{InstanceId: aws.String("i-2"), LifecycleState: asgtypes.LifecycleStateInService, HealthStatus: aws.String("Healthy")},
		}},
		ib: map[string]*ibtypes.Image{ibArn: {Arn: aws.String(ibArn), State: &ibtypes.ImageState{Status: ibtypes.ImageStatusAvailable},
			ImageTestsConfiguration:    &ibtypes.ImageTestsConfiguration{ImageTestsEnabled: aws.Bool(true)},
			ImageScanningConfiguration: &ibtypes.ImageScanningConfiguration{ImageScanningEnabled: aws.Bool(false)}}},
	}
	prod := &fakeAccount{
		id:      "222222222222",
		outputs: map[string]map[string]string{"golden-fleet-prod-fleet": {"GoldenAmiParameter": prodParam, "LaunchTemplateId": "lt-2", "AutoScalingGroupName": "prod-group"}},
		params:  map[string]string{prodParam: seed},
		images:  map[string]ec2types.Image{},
		source:  dev,
	}
	cfg := config.Default()
	source, target, err := resolvePromotion(cfg, "dev", "prod")
	if err != nil {
		t.Fatal(err)
	}
	out := &bytes.Buffer{}
	p := &promoter{cfg: cfg, source: source, target: target, names: cfg.PromotionNames("dev", "prod"),
		src: sourceClients{cfn: dev, ssm: dev, ec2: dev, asg: dev, cw: dev, ib: dev},
		dst: targetClients{cfn: prod, ssm: prod, ec2: prod, ib: markstest.NewFakeImageBuilder()},
		by:  "arn:aws:sts::222222222222:assumed-role/golden-fleet-promote/ci", now: func() time.Time { return now }, out: out}
	return &world{dev: dev, prod: prod, p: p, out: out, now: now}
}

func (w *world) promote(t *testing.T, o promoteOptions) error {
	t.Helper()
	if o.copyWith == "" {
		o.copyWith = copyWithEC2
	}
	if o.wait == 0 {
		o.wait = time.Minute
	}
	err := w.p.run(context.Background(), o)
	t.Logf("fleetctl output:\n%s", w.out)
	return err
}

// copyID is prod's copy of x that dev's distribution makes.
const copyID = "ami-0d15d15d15d15d15d"

// distributeIntoProd makes dev's DistributeImage do what the distribution
// configuration does: a copy in prod's account, written into prod's
// parameter, listed with dev's own copy among the output AMIs of the
// Image Builder image it returns.
func (w *world) distributeIntoProd() {
	const dist = "arn:aws:imagebuilder:eu-west-1:111111111111:image/golden-fleet-dev-golden-ami-060a02a4/1.0.0/5"
	w.dev.distribute = func(*imagebuilder.DistributeImageInput) string {
		w.prod.images[copyID] = ec2types.Image{ImageId: aws.String(copyID), State: ec2types.ImageStateAvailable}
		w.prod.params[prodParam] = copyID
		w.dev.ib[dist] = &ibtypes.Image{Arn: aws.String(dist), State: &ibtypes.ImageState{Status: ibtypes.ImageStatusAvailable},
			OutputResources: &ibtypes.OutputResources{Amis: []ibtypes.Ami{
				{Region: aws.String("eu-west-1"), Image: aws.String("ami-0ffffffffffffffff")}, // in dev's own account
				{Region: aws.String("eu-west-1"), AccountId: aws.String("222222222222"), Image: aws.String(copyID)},
			}}}
		return dist
	}
}

func (w *world) nothingChanged(t *testing.T) {
	t.Helper()
	if len(w.dev.writes)+len(w.prod.writes) > 0 {
		t.Errorf("changes made: dev %q, prod %q; want none", w.dev.writes, w.prod.writes)
	}
	if w.prod.params[prodParam] != seed {
		t.Errorf("prod's golden parameter holds %s, want the seed %s", w.prod.params[prodParam], seed)
	}
}

func TestAFailedGateRefusesThePromotionAndChangesNothing(t *testing.T) {
	for name, breakIt := range map[string]func(w *world){
		"the AMI was never tested (no Image Builder image)": func(w *world) { w.dev.images[x] = withoutTags(w.dev.images[x]) },
		"the AMI has not soaked long enough":                func(w *world) { w.dev.instances["i-1"] = withLaunch(w.dev.instances["i-1"], w.now.Add(-time.Hour)) },
		"an alarm of the fleet is in ALARM": func(w *world) {
			w.dev.alarms = []cwtypes.MetricAlarm{{AlarmName: aws.String("golden-fleet-dev-5xx"), StateValue: cwtypes.StateValueAlarm}}
		},
		"a HIGH finding on the AMI": func(w *world) { w.dev.images[x] = withScan(w.dev.images[x], ec2types.SeverityLabelHigh) },
		"the AMI was never scanned": func(w *world) { w.dev.images[x] = withScan(w.dev.images[x], "none") },
		// Half of prod's 48-hour soak time would pass it.
		"the AMI ran 30 of the 48 hours": func(w *world) { w.dev.instances["i-1"] = withLaunch(w.dev.instances["i-1"], w.now.Add(-30*time.Hour)) },
		// An alarm found by the dimension it watches, not by its name.
		"an alarm that watches the group is in ALARM": func(w *world) {
			w.dev.alarms = []cwtypes.MetricAlarm{{AlarmName: aws.String("team-pager-cpu"), StateValue: cwtypes.StateValueAlarm,
				Dimensions: []cwtypes.Dimension{{Name: aws.String("AutoScalingGroupName"), Value: aws.String("dev-group")}}}}
		},
	} {
		t.Run(name, func(t *testing.T) {
			w := newWorld(t)
			breakIt(w)
			err := w.promote(t, promoteOptions{})
			if err == nil || !strings.Contains(err.Error(), "refused") || !strings.Contains(err.Error(), "nothing changed") {
				t.Errorf("err = %v, want the promotion refused, nothing changed", err)
			}
			if !strings.Contains(w.out.String(), "FAIL") {
				t.Errorf("the report shows no failed gate:\n%s", w.out)
			}
			w.nothingChanged(t)
		})
	}
}

func withoutTags(i ec2types.Image) ec2types.Image { i.Tags = nil; return i }

// withScan gives the AMI EC2's scan results with highest severity label
// ("" for a scan that found nothing, "none" for no scan at all).
func withScan(i ec2types.Image, label ec2types.SeverityLabel) ec2types.Image {
	switch label {
	case "none":
		i.ScanResults = nil
	default:
		i.ScanResults = &ec2types.ScanResults{FindingScanDate: aws.Time(time.Date(2025, 3, 8, 11, 0, 0, 0, time.UTC)), HighestFindingSeverityLabel: label}
	}
	return i
}

// The vulnerabilities gate reads where the source's scan type writes:
// with ON_DEMAND_AMI_CVE, EC2's scan results of the AMI, whatever Image
// Builder's copy says; with TEST_INSTANCE_CVE, Image Builder's copy.
func TestTheVulnerabilitiesGateReadsWhereTheScanWrites(t *testing.T) {
	ibClean := func(w *world) {
		w.dev.ib[ibArn].ImageScanningConfiguration.ImageScanningEnabled = aws.Bool(true)
		w.dev.ib[ibArn].ScanState = &ibtypes.ImageScanState{Status: ibtypes.ImageScanStatusCompleted}
	}
	for _, tc := range []struct {
		name     string
		scanType string
		setup    func(w *world)
		pass     bool
		saying   string
	}{
		{"on-demand: a CRITICAL on the AMI, Image Builder's copy clean", config.ScanOnDemandAMI, func(w *world) {
			ibClean(w)
			w.dev.images[x] = withScan(w.dev.images[x], ec2types.SeverityLabelCritical)
		}, false, "EC2's scan results of " + x},
		{"on-demand: the AMI clean, a finding only in Image Builder", config.ScanOnDemandAMI, func(w *world) {
			ibClean(w)
			w.dev.findings = []ibtypes.ImageScanFinding{{Severity: aws.String("CRITICAL"), Title: aws.String("CVE-old")}}
		}, true, "highest severity NONE"},
		{"test instance: a HIGH in Image Builder's copy, the AMI clean", config.ScanTestInstance, func(w *world) {
			ibClean(w)
			w.dev.findings = []ibtypes.ImageScanFinding{{Severity: aws.String("HIGH"), Title: aws.String("CVE-2025-0001 openssl")}}
		}, false, "HIGH: CVE-2025-0001 openssl"},
		{"test instance: the scan did not complete", config.ScanTestInstance, func(w *world) {
			ibClean(w)
			w.dev.ib[ibArn].ScanState.Status = ibtypes.ImageScanStatusTimedOut
		}, false, "TIMED_OUT"},
		{"test instance: clean", config.ScanTestInstance, ibClean, true, "Image Builder's copy of the scan of " + ibArn},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			w.p.source.Observability.Scanning.Type = tc.scanType
			tc.setup(w)
			err := w.promote(t, promoteOptions{dryRun: true})
			gate := gateReportLine(w.out.String(), config.GateVulnerabilities)
			if (err == nil) != tc.pass || !strings.Contains(w.out.String(), tc.saying) {
				t.Errorf("err %v, gate %q: want passed %v saying %q", err, gate, tc.pass, tc.saying)
			}
			w.nothingChanged(t)
		})
	}
}

// gateReportLine is the verdict line of gate in promote's output.
func gateReportLine(out, gate string) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), gate+" ") {
			return strings.TrimSpace(l)
		}
	}
	return ""
}

// The configured severity limit reaches the gate: values the default
// limit (MEDIUM) decides the other way.
func TestTheVulnerabilitiesGateUsesTheConfiguredLimit(t *testing.T) {
	for _, tc := range []struct {
		limit string
		found ec2types.SeverityLabel
		pass  bool
	}{
		{"HIGH", ec2types.SeverityLabelHigh, true},
		{"LOW", ec2types.SeverityLabelMedium, false},
	} {
		w := newWorld(t)
		w.p.target.Promotion.MaxFindingSeverity = tc.limit
		w.dev.images[x] = withScan(w.dev.images[x], tc.found)
		if err := w.promote(t, promoteOptions{dryRun: true}); (err == nil) != tc.pass {
			t.Errorf("limit %s, a %s finding: err %v, want passed %v", tc.limit, tc.found, err, tc.pass)
		}
	}
}

func withLaunch(i ec2types.Instance, at time.Time) ec2types.Instance { i.LaunchTime = &at; return i }

func TestADryRunPrintsTheGatesAndThePlanAndChangesNothing(t *testing.T) {
	w := newWorld(t)
	if err := w.promote(t, promoteOptions{dryRun: true}); err != nil {
		t.Fatal(err)
	}
	text := w.out.String()
	for _, want := range []string{
		"image-tests      PASS", "soak             PASS", "vulnerabilities  PASS",
		"share " + x + " with account 222222222222", "ec2:CopyImage " + x + " from 111111111111/eu-west-1 into 222222222222/eu-west-1",
		"write the copy into " + prodParam + " (now " + seed + ")", "dry run: nothing changed",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	w.nothingChanged(t)
}

func TestAnEC2PromotionSharesCopiesTagsThenWritesTheParameter(t *testing.T) {
	w := newWorld(t)
	if err := w.promote(t, promoteOptions{}); err != nil {
		t.Fatal(err)
	}
	if want := []string{"ModifyImageAttribute " + x + " launch +222222222222", "ModifySnapshotAttribute " + snap + " createVolumePermission add 222222222222"}; !slices.Equal(w.dev.writes, want) {
		t.Errorf("dev writes %q, want %q (share with prod only)", w.dev.writes, want)
	}
	copyID := w.prod.params[prodParam]
	want := []string{
		"CopyImage " + x + " from eu-west-1 encrypted=true kms=", // prod's default EBS key
		"CreateTags " + copyID,
		"PutParameter " + prodParam + "=" + copyID + " aws:ec2:image",
	}
	if !slices.Equal(w.prod.writes, want) {
		t.Errorf("prod writes %q, want %q: copy, tag, and only then the parameter", w.prod.writes, want)
	}
	tags := tagMap(w.prod.images[copyID].Tags)
	for k, v := range map[string]string{
		config.EnvironmentTagKey: "prod", config.PromotedFromAMITagKey: x, config.PromotedFromEnvironmentTagKey: "dev",
		config.PromotionGatesTagKey: "image-tests=passed soak=passed vulnerabilities=passed", config.PromotedAtTagKey: "2025-03-10T12:00:00Z",
		config.PromotedByTagKey: w.p.by, "environment": "prod",
	} {
		if tags[k] != v {
			t.Errorf("tag %s = %q, want %q", k, tags[k], v)
		}
	}
	if _, ok := tags[config.PromotionOverrideTagKey]; ok {
		t.Errorf("override tag %q without an override", tags[config.PromotionOverrideTagKey])
	}
}

func TestAnOverrideSkipsAFailedGateAndRecordsWhoAndWhy(t *testing.T) {
	w := newWorld(t)
	w.dev.instances["i-1"] = withLaunch(w.dev.instances["i-1"], w.now.Add(-time.Hour))
	reason := "hotfix for CVE-2025-0002, approved in CHG-42"
	if err := w.promote(t, promoteOptions{overrides: []string{"soak"}, reason: reason}); err != nil {
		t.Fatal(err)
	}
	tags := tagMap(w.prod.images[w.prod.params[prodParam]].Tags)
	if got := tags[config.PromotionGatesTagKey]; got != "image-tests=passed soak=overridden vulnerabilities=passed" {
		t.Errorf("gates tag %q", got)
	}
	if got := tags[config.PromotionOverrideTagKey]; got != "soak skipped: "+reason {
		t.Errorf("override tag %q, want the gate and the reason", got)
	}
	if tags[config.PromotedByTagKey] != w.p.by {
		t.Errorf("promoted-by %q, want %q", tags[config.PromotedByTagKey], w.p.by)
	}
	if !strings.Contains(w.out.String(), "FAIL, OVERRIDDEN") {
		t.Errorf("the report does not show the override:\n%s", w.out)
	}
}

func TestAnImageBuilderPromotionDistributesThenTagsTheCopy(t *testing.T) {
	w := newWorld(t)
	w.distributeIntoProd()
	if err := w.promote(t, promoteOptions{copyWith: copyWithImageBuilder}); err != nil {
		t.Fatal(err)
	}
	want := "DistributeImage " + x + " arn:aws:imagebuilder:eu-west-1:111111111111:distribution-configuration/golden-fleet-dev-promote-to-prod " +
		"role=arn:aws:iam::111111111111:role/golden-fleet-dev-promotion-distribution"
	if !slices.Equal(w.dev.writes, []string{want}) {
		t.Errorf("dev writes %q, want [%q]", w.dev.writes, want)
	}
	if !slices.Equal(w.prod.writes, []string{"CreateTags " + copyID}) {
		t.Errorf("prod writes %q, want only the tags (the distribution wrote the parameter)", w.prod.writes)
	}
	if tagMap(w.prod.images[copyID].Tags)[config.PromotedFromAMITagKey] != x {
		t.Errorf("the copy is not tagged with its source")
	}
}

// The promoted copy is marked for the lifecycle policies at once (current
// for prod's fleet, retained), as the target's marker would mark it later.
func TestThePromotedCopyIsMarkedAtOnce(t *testing.T) {
	w := newWorld(t)
	if err := w.promote(t, promoteOptions{}); err != nil {
		t.Fatal(err)
	}
	copyID := w.prod.params[prodParam]
	tags := tagMap(w.prod.images[copyID].Tags)
	if tags[marks.RoleKey("golden-fleet-prod")] != marks.Current || tags[marks.RetainKey] != marks.RetainValue {
		t.Errorf("the promoted copy %s carries %v: want it marked %s's current AMI and retained (marks %q)", copyID, tags, "golden-fleet-prod", w.prod.marked)
	}
}

// After a promotion the target keeps its KeepCopies newest promoted
// copies and every copy a fleet runs or may roll back to; the older ones
// are deregistered with their snapshots.
func TestAPromotionRetiresOldPromotedCopiesInTheTarget(t *testing.T) {
	w := newWorld(t)
	w.p.target.Promotion.KeepCopies = 2
	old := func(id, created string, retained bool) {
		tags := []ec2types.Tag{{Key: aws.String(config.PromotedFromAMITagKey), Value: aws.String("ami-0000000000000000" + id[len(id)-1:])}}
		if retained {
			tags = append(tags, ec2types.Tag{Key: aws.String(marks.RetainKey), Value: aws.String(marks.RetainValue)})
		}
		w.prod.images[id] = ec2types.Image{ImageId: aws.String(id), State: ec2types.ImageStateAvailable, CreationDate: aws.String(created), Tags: tags,
			BlockDeviceMappings: []ec2types.BlockDeviceMapping{{Ebs: &ec2types.EbsBlockDevice{SnapshotId: aws.String("snap-" + id)}}}}
	}
	old("ami-0a0a0a0a0a0a0a0a1", "2025-01-01T00:00:00.000Z", false)
	old("ami-0a0a0a0a0a0a0a0a2", "2025-02-01T00:00:00.000Z", true) // prod's rollback target, say
	old("ami-0a0a0a0a0a0a0a0a3", "2025-02-15T00:00:00.000Z", false)
	old("ami-0a0a0a0a0a0a0a0a4", "2025-03-01T00:00:00.000Z", false)
	if err := w.promote(t, promoteOptions{}); err != nil {
		t.Fatal(err)
	}
	// The new copy (created now) and ...a4 are the 2 newest; ...a2 is
	// marked; ...a1 and ...a3 go.
	for id, kept := range map[string]bool{"ami-0a0a0a0a0a0a0a0a1": false, "ami-0a0a0a0a0a0a0a0a2": true, "ami-0a0a0a0a0a0a0a0a3": false, "ami-0a0a0a0a0a0a0a0a4": true} {
		if _, ok := w.prod.images[id]; ok != kept {
			t.Errorf("%s kept %v, want %v (writes %q)", id, ok, kept, w.prod.writes)
		}
	}
	if !slices.Contains(w.prod.writes, "DeleteSnapshot snap-ami-0a0a0a0a0a0a0a0a1") {
		t.Errorf("the retired copy's snapshot was not deleted: %q", w.prod.writes)
	}
	if _, ok := w.prod.images[w.prod.params[prodParam]]; !ok {
		t.Errorf("the promoted copy %s was retired", w.prod.params[prodParam])
	}
}

// A tagging failure after the copy says what the target's parameter
// holds: the distribution may have written the copy into it already.
func TestATaggingFailureSaysWhatTheParameterHolds(t *testing.T) {
	for _, tc := range []struct {
		method string
		want   string
	}{
		{copyWithImageBuilder, prodParam + " now holds " + copyID + " (was " + seed + "): the distribution wrote it"},
		{copyWithEC2, prodParam + " is unchanged (" + seed + ")"},
	} {
		t.Run(tc.method, func(t *testing.T) {
			w := newWorld(t)
			w.distributeIntoProd()
			w.prod.tagErr = errors.New("RequestLimitExceeded")
			err := w.promote(t, promoteOptions{copyWith: tc.method})
			if err == nil || !strings.Contains(err.Error(), "tagging it failed: RequestLimitExceeded") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to say %q", err, tc.want)
			}
		})
	}
}

func TestAPromotionIsIdempotent(t *testing.T) {
	w := newWorld(t)
	if err := w.promote(t, promoteOptions{}); err != nil {
		t.Fatal(err)
	}
	w.dev.writes, w.prod.writes = nil, nil
	w.out.Reset()
	if err := w.promote(t, promoteOptions{}); err != nil {
		t.Fatal(err)
	}
	if len(w.dev.writes)+len(w.prod.writes) > 0 || !strings.Contains(w.out.String(), "nothing to do") {
		t.Errorf("second promotion wrote dev %q, prod %q; want nothing to do", w.dev.writes, w.prod.writes)
	}

	// After a rollback in prod, promoting again reuses the copy.
	copyID := w.prod.params[prodParam]
	w.prod.params[prodParam] = seed
	w.out.Reset()
	if err := w.promote(t, promoteOptions{}); err != nil {
		t.Fatal(err)
	}
	if want := []string{"CreateTags " + copyID, "PutParameter " + prodParam + "=" + copyID + " aws:ec2:image"}; !slices.Equal(w.prod.writes, want) {
		t.Errorf("prod writes %q, want %q (reuse the copy, no second CopyImage)", w.prod.writes, want)
	}
}

func TestPromoteFollowsTheConfiguration(t *testing.T) {
	cfg := config.Default()
	for _, tc := range []struct{ from, to, saying string }{
		{"prod", "dev", "--to dev: dev bakes its own images"},
		{"local", "prod", "--from local: prod promotes from dev, not from local"},
		{"dev", "stage", `--to "stage": no such environment`},
	} {
		if _, _, err := resolvePromotion(cfg, tc.from, tc.to); err == nil || !strings.Contains(err.Error(), tc.saying) {
			t.Errorf("promote --from %s --to %s: %v, want %q", tc.from, tc.to, err, tc.saying)
		}
	}
	// Bad flags are usage errors, reported before any AWS call.
	for _, tc := range []struct {
		args   []string
		saying string
	}{
		{[]string{"--to", "prod"}, "promote: --from is required"},
		{[]string{"--from", "dev", "--to", "prod", "--copy-with", "s3"}, `promote: --copy-with "s3": want imagebuilder or ec2`},
		{[]string{"--from", "dev", "--to", "prod", "--wait", "0s"}, "promote: --wait 0s: want a positive duration"},
		{[]string{"--from", "dev", "--to", "prod", "--override", "soak"}, "needs --reason"},
		{[]string{"--from", "dev", "--to", "prod", "extra"}, `promote: got ["extra"]: want no positional arguments`},
	} {
		var out strings.Builder
		err := run(context.Background(), append([]string{"promote"}, tc.args...), &out)
		if err == nil || !strings.Contains(err.Error(), tc.saying) || !strings.Contains(err.Error(), "usage: fleetctl promote") {
			t.Errorf("promote %q: %v, want %q and the usage", tc.args, err, tc.saying)
		}
	}
	fs := flag.NewFlagSet("promote", flag.ContinueOnError)
	o := declarePromoteFlags(fs)
	err := fs.Parse([]string{"--from", "dev", "--to", "prod", "--override", "soak,vulnerabilities", "--override", "image-tests", "--reason", "r"})
	if err == nil {
		err = o.check()
	}
	if err != nil || !slices.Equal(o.overrides, []string{"soak", "vulnerabilities", "image-tests"}) || o.copyWith != copyWithImageBuilder || o.wait != time.Hour {
		t.Errorf("parse: %+v, %v", o, err)
	}
}

func TestASameAccountPromotionSharesNothing(t *testing.T) {
	cfg := config.Default()
	source, _ := cfg.Environment("dev")
	target, _ := cfg.Environment("prod")
	target.Account = source.Account
	plan := planPromotion(planInput{Cfg: cfg, Source: source, Target: target, SourceAMI: x, CopyWith: copyWithEC2,
		TargetParameter: prodParam, TargetCurrent: seed, Wait: time.Hour, Tags: map[string]string{config.PromotedAtTagKey: "2025-03-10T12:00:00Z"}})
	if plan.CrossAccount || strings.Contains(strings.Join(plan.Steps, "\n"), "share") {
		t.Errorf("same-account plan shares: %q", plan.Steps)
	}
	if plan.CopyName != "golden-fleet-prod-"+x+"-2025-03-10T120000Z" {
		t.Errorf("copy name %q: want prefix, target, source AMI and a time without colons (AMI names allow none)", plan.CopyName)
	}
}
