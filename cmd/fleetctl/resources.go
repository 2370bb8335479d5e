package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
)

// resourcesCommand lists a stack's resources, and the template's
// resources the stack does not hold (moto, for one, skips the types it
// does not know and reports them with no id or type).
var resourcesCommand = command{
	name:     "resources",
	synopsis: "--stack <any stack>",
	summary:  "the stack's resources, and those of its template that it does not hold",
	required: []string{"stack"},
	declare: func(fs *flag.FlagSet) runFunc {
		stack := fs.String("stack", "", "stack name, for example golden-fleet-prod-network (required)")
		return func(ctx context.Context, cfg aws.Config, out io.Writer) error {
			return listResources(ctx, cloudformation.NewFromConfig(cfg), *stack, out)
		}
	},
}

func listResources(ctx context.Context, cfn *cloudformation.Client, stack string, out io.Writer) error {
	fmt.Fprintf(out, "stack %s:\n", stack)
	tw := newTable(out, "  LOGICAL ID\tTYPE\tPHYSICAL ID\tSTATUS")
	p := cloudformation.NewListStackResourcesPaginator(cfn, &cloudformation.ListStackResourcesInput{StackName: &stack})
	listed := map[string]bool{}
	n := 0
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("stack %s: %w", stack, err)
		}
		for _, r := range page.StackResourceSummaries {
			if aws.ToString(r.LogicalResourceId) == "" {
				continue
			}
			n++
			listed[aws.ToString(r.LogicalResourceId)] = true
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", aws.ToString(r.LogicalResourceId), aws.ToString(r.ResourceType),
				aws.ToString(r.PhysicalResourceId), r.ResourceStatus)
		}
	}
	tmpl, err := cfn.GetTemplate(ctx, &cloudformation.GetTemplateInput{StackName: &stack})
	if err != nil {
		return fmt.Errorf("template of %s: %w", stack, err)
	}
	missing := missingResources(aws.ToString(tmpl.TemplateBody), listed)
	for _, m := range missing {
		fmt.Fprintf(tw, "  %s\t%s\t-\tNOT IN THE STACK\n", m.logicalID, m.resourceType)
	}
	tw.Flush()
	fmt.Fprintf(out, "  (%d resources; %d of the template's resources are not in the stack)\n", n, len(missing))
	return nil
}

// templateResource is one resource of a template: its logical id and type.
type templateResource struct {
	logicalID, resourceType string
}

// missingResources returns every resource of the JSON template body that
// is not in listed, sorted by logical id.
func missingResources(body string, listed map[string]bool) []templateResource {
	var t struct {
		Resources map[string]struct{ Type string }
	}
	if err := json.Unmarshal([]byte(body), &t); err != nil {
		return []templateResource{{"(template)", "not JSON: " + err.Error()}}
	}
	var out []templateResource
	for id, r := range t.Resources {
		if !listed[id] {
			out = append(out, templateResource{id, r.Type})
		}
	}
	slices.SortFunc(out, func(a, b templateResource) int { return strings.Compare(a.logicalID, b.logicalID) })
	return out
}
