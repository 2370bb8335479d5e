package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// errNoCredentials is what fleetctl says when the SDK's credential chain
// finds nothing it can use: one line, with the two ways out. The SDK's
// own error (a chain of "failed to refresh cached credentials, no EC2 IMDS
// role found, operation error ec2imds: GetMetadata, …") names the last
// place it looked, not what the user should do.
var errNoCredentials = errors.New("no AWS credentials: use a profile (AWS_PROFILE=NAME, after `aws configure` or `aws sso login`), or `source .local/env` to talk to the local playground (make local-up)")

// credentialsFailure marks a failure of the credential chain inside
// whatever error a command returns.
type credentialsFailure struct{ err error }

func (e credentialsFailure) Error() string { return e.err.Error() }
func (e credentialsFailure) Unwrap() error { return e.err }

// flaggedCredentials wraps the configured provider so that its failure can
// be recognised in a command's error, however the command wrapped it.
type flaggedCredentials struct{ aws.CredentialsProvider }

func (p flaggedCredentials) Retrieve(ctx context.Context) (aws.Credentials, error) {
	c, err := p.CredentialsProvider.Retrieve(ctx)
	if err != nil {
		return c, credentialsFailure{err}
	}
	return c, nil
}

// withCredentialsCheck lets explainCredentials recognise a credential
// failure in cfg's calls.
func withCredentialsCheck(cfg aws.Config) aws.Config {
	if cfg.Credentials == nil {
		cfg.Credentials = aws.NewCredentialsCache(failingProvider{})
		return cfg
	}
	cfg.Credentials = aws.NewCredentialsCache(flaggedCredentials{cfg.Credentials})
	return cfg
}

type failingProvider struct{}

func (failingProvider) Retrieve(context.Context) (aws.Credentials, error) {
	return aws.Credentials{}, credentialsFailure{errors.New("no credential provider")}
}

// explainCredentials replaces an error caused by missing credentials with
// errNoCredentials. When the user named a profile or keys, the SDK's
// reason is kept: that profile is what to fix.
func explainCredentials(err error) error {
	var cf credentialsFailure
	if err == nil || !errors.As(err, &cf) {
		return err
	}
	for _, v := range []string{"AWS_PROFILE", "AWS_ACCESS_KEY_ID"} {
		if os.Getenv(v) != "" {
			return fmt.Errorf("no usable AWS credentials from %s=%s: %v", v, os.Getenv(v), cf.err)
		}
	}
	return errNoCredentials
}
