package stacks

import (
	"github.com/immutable-server/golden-fleet/config"
	"github.com/immutable-server/golden-fleet/constructs/lifecycle"
)

// The image factory's lifecycle policy (the fleet stack's marker is in
// fleet_operations.go).

// imageTags are the tags the pipeline gives every image: the lifecycle
// policy selects by them.
func imageTags(names config.Names) map[string]string {
	return map[string]string{config.PipelineTagKey: names.Base()}
}

// addLifecycle adds the image factory's lifecycle policy, unless the
// environment turned it off.
func (s *ImageFactoryStack) addLifecycle(names config.Names, env config.Environment) {
	l := env.Lifecycle
	if l.Disabled {
		return
	}
	s.Lifecycle = lifecycle.NewPolicy(s.Stack, "Lifecycle", lifecycle.PolicyProps{
		Name:               names.LifecyclePolicy(),
		ImageTags:          imageTags(names),
		KeepLatest:         l.KeepLatest,
		DeprecateAfterDays: l.DeprecateAfterDays,
		DeleteAfterDays:    l.DeleteAfterDays,
		Tags:               env.Tags,
	})
}
