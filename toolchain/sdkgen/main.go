// sdkgen writes the nodejs, python and go SDKs of a Pulumi package from its schema.
//
// `pulumi package gen-sdk` hands SDK generation to each language's host plugin
// (pulumi-language-nodejs, -python, -go), and those hosts are not published as Go modules
// we can build. Their generation step is a thin call into the code generators of
// github.com/pulumi/pulumi/pkg/v3/codegen, which this program calls directly, pinned to
// the same release as the pulumi CLI, so the output is what gen-sdk would write.
//
// Usage: sdkgen <schema.json> <out-dir> [language...]   (default: nodejs python go)
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/blang/semver"
	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	"github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	"github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

// noDependencies is the schema loader: our package references no other package, and a
// reference to one is a mistake to report rather than something to download.
type noDependencies struct{}

func (noDependencies) LoadPackage(pkg string, _ *semver.Version) (*schema.Package, error) {
	return nil, fmt.Errorf("schema references package %q; this package has no dependencies", pkg)
}

func (n noDependencies) LoadPackageV2(_ context.Context, d *schema.PackageDescriptor) (*schema.Package, error) {
	return n.LoadPackage(d.Name, d.Version)
}

func (n noDependencies) LoadPackageReference(pkg string, v *semver.Version) (schema.PackageReference, error) {
	_, err := n.LoadPackage(pkg, v)
	return nil, err
}

func (n noDependencies) LoadPackageReferenceV2(
	_ context.Context, d *schema.PackageDescriptor,
) (schema.PackageReference, error) {
	return n.LoadPackageReference(d.Name, d.Version)
}

// bind reads and validates the schema afresh: each generator records its language
// settings on the package, so every language gets its own copy.
func bind(schemaPath string) (*schema.Package, error) {
	raw, err := os.ReadFile(schemaPath)
	if err != nil {
		return nil, err
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal(raw, &spec); err != nil {
		return nil, fmt.Errorf("%s: %w", schemaPath, err)
	}
	pkg, diags, err := schema.BindSpec(spec, noDependencies{}, schema.ValidationOptions{})
	if err != nil {
		return nil, err
	}
	if diags.HasErrors() {
		return nil, fmt.Errorf("%s: %s", schemaPath, diags.Error())
	}
	return pkg, nil
}

func generate(language string, pkg *schema.Package) (map[string][]byte, error) {
	// The tool name is what the generated files' "do not edit" headers credit.
	switch language {
	case "nodejs":
		return nodejs.GeneratePackage("pulumi-language-nodejs", pkg, nil, nil, false, noDependencies{})
	case "python":
		return python.GeneratePackage("pulumi-language-python", pkg, nil, noDependencies{})
	case "go":
		return gogen.GeneratePackage("pulumi-language-go", pkg, nil)
	}
	return nil, fmt.Errorf("unknown language %q (want nodejs, python or go)", language)
}

// write replaces dir with exactly the generated files, as gen-sdk does.
func write(dir string, files map[string][]byte) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	for name, data := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

func run(args []string) error {
	if len(args) < 2 {
		return errors.New("usage: sdkgen <schema.json> <out-dir> [nodejs|python|go ...]")
	}
	schemaPath, out, languages := args[0], args[1], args[2:]
	if len(languages) == 0 {
		languages = []string{"nodejs", "python", "go"}
	}
	for _, language := range languages {
		pkg, err := bind(schemaPath)
		if err != nil {
			return err
		}
		files, err := generate(language, pkg)
		if err != nil {
			return fmt.Errorf("%s: %w", language, err)
		}
		if err := write(filepath.Join(out, language), files); err != nil {
			return err
		}
	}
	return nil
}

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "sdkgen: %v\n", err)
		os.Exit(1)
	}
}
