package cfnlint

import (
	"strings"
	"testing"
)

// The schema of a type is cfn-lint's: AWS::IAM::Role has its RoleName; a
// type CloudFormation does not have is refused by name.
func TestReadSchemaReadsATypesSchemaAndRefusesAnUnknownType(t *testing.T) {
	dir, err := Dir()
	if err != nil {
		t.Fatal(err)
	}
	var schema struct {
		TypeName   string
		Properties map[string]any
	}
	if err := ReadSchema(dir, "AWS::IAM::Role", &schema); err != nil {
		t.Fatal(err)
	}
	if schema.TypeName != "AWS::IAM::Role" || schema.Properties["RoleName"] == nil {
		t.Errorf("the schema of AWS::IAM::Role reads as type %q with RoleName %v", schema.TypeName, schema.Properties["RoleName"])
	}
	if err := ReadSchema(dir, "AWS::IAM::Rol", &schema); err == nil {
		t.Errorf("AWS::IAM::Rol, a prefix of a type: got a schema, want an error")
	}
	err = ReadSchema(dir, "AWS::No::Such", &schema)
	if err == nil || !strings.Contains(err.Error(), "AWS::No::Such") {
		t.Errorf("an unknown type: got %v, want an error naming it", err)
	}
}

// The version is cfn-lint's, as pip installed it (scripts and the drift
// test name it; the project pins 1.51.0).
func TestVersionIsTheInstalledOnes(t *testing.T) {
	dir, err := Dir()
	if err != nil {
		t.Fatal(err)
	}
	v, err := Version(dir)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(v, ".")
	if len(parts) != 3 || parts[0] == "" {
		t.Errorf("version %q, want major.minor.patch", v)
	}
	if _, err := Version(t.TempDir()); err == nil {
		t.Errorf("a directory without version.py: got a version, want an error")
	}
}
