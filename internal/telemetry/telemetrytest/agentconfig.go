// Package telemetrytest reads a CloudWatch agent configuration back, for
// the tests of what telemetry.AgentConfig writes (telemetry's own, and the
// stacks' that find it in a fleet stack's SSM parameter). No production
// code imports it.
package telemetrytest

import "encoding/json"

// AgentConfig is the part of a CloudWatch agent configuration the tests
// check (field names: the agent's translator/config/schema.json).
type AgentConfig struct {
	Metrics struct {
		Namespace        string            `json:"namespace"`
		AppendDimensions map[string]string `json:"append_dimensions"`
		Aggregation      [][]string        `json:"aggregation_dimensions"`
		Collected        map[string]struct {
			Measurement []string `json:"measurement"`
			Resources   []string `json:"resources"`
		} `json:"metrics_collected"`
	} `json:"metrics"`
	Logs struct {
		Collected struct {
			Files struct {
				List []map[string]string `json:"collect_list"`
			} `json:"files"`
		} `json:"logs_collected"`
	} `json:"logs"`
}

// ParseAgentConfig decodes the agent configuration text.
func ParseAgentConfig(text string) (AgentConfig, error) {
	var cfg AgentConfig
	err := json.Unmarshal([]byte(text), &cfg)
	return cfg, err
}
