package main

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/immutable-server/golden-fleet/config"
)

// clients.go is the one place the commands get their AWS clients and the
// configurations those run on: every command reads a fleet with the same
// services, in the caller's account or, through a role, in another.

// accountClients are the clients of one account and region: the fleet's
// stacks, parameters, images and instances, group, Image Builder images
// and alarms. Each command keeps only the interfaces it uses.
type accountClients struct {
	cfn *cloudformation.Client
	ssm *ssm.Client
	ec2 *ec2.Client
	asg *autoscaling.Client
	ib  *imagebuilder.Client
	cw  *cloudwatch.Client
}

// clientsOf builds the clients on cfg (building one makes no request).
func clientsOf(cfg aws.Config) accountClients {
	return accountClients{
		cfn: cloudformation.NewFromConfig(cfg),
		ssm: ssm.NewFromConfig(cfg),
		ec2: ec2.NewFromConfig(cfg),
		asg: autoscaling.NewFromConfig(cfg),
		ib:  imagebuilder.NewFromConfig(cfg),
		cw:  cloudwatch.NewFromConfig(cfg),
	}
}

// callerIdentity asks STS whose credentials cfg holds.
func callerIdentity(ctx context.Context, cfg aws.Config) (*sts.GetCallerIdentityOutput, error) {
	id, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return nil, fmt.Errorf("who am I (sts:GetCallerIdentity): %w", err)
	}
	return id, nil
}

// inEnvironment is base in env's region. With a role, its credentials are
// those of that role in env's account, assumed with base's credentials
// under the session name session (the SDK's own name when "").
func inEnvironment(base aws.Config, env config.Environment, role, session string) aws.Config {
	c := base.Copy()
	c.Region = env.Region
	if role != "" {
		r := arn.ARN{Partition: config.Partition(env.Region), Service: "iam", AccountID: env.Account, Resource: "role/" + role}
		c.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(sts.NewFromConfig(base), r.String(), func(o *stscreds.AssumeRoleOptions) {
			if session != "" {
				o.RoleSessionName = session
			}
		}))
	}
	return c
}
