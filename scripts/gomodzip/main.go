// gomodzip writes a Go module's zip and go.mod the way a module proxy serves them, with the
// Go project's own implementation (golang.org/x/mod/zip): the release's Go SDK artifact.
//
// Usage: go run . <module dir> <module path> <version> <out dir>
// Writes <out dir>/<version>.zip, .mod and .info (the layout of a GOPROXY directory's @v/).
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/mod/module"
	"golang.org/x/mod/zip"
)

func main() {
	if len(os.Args) != 5 {
		fmt.Fprintln(os.Stderr, "usage: gomodzip <module dir> <module path> <version> <out dir>")
		os.Exit(2)
	}
	dir, path, version, out := os.Args[1], os.Args[2], os.Args[3], os.Args[4]
	if err := run(dir, module.Version{Path: path, Version: version}, out); err != nil {
		fmt.Fprintln(os.Stderr, "gomodzip:", err)
		os.Exit(1)
	}
}

func run(dir string, m module.Version, out string) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(out, m.Version+".zip"))
	if err != nil {
		return err
	}
	if err := zip.CreateFromDir(f, m, dir); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	mod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(out, m.Version+".mod"), mod, 0o644); err != nil {
		return err
	}
	info := fmt.Sprintf("{\"Version\":%q,\"Time\":%q}\n", m.Version, time.Now().UTC().Format(time.RFC3339))
	return os.WriteFile(filepath.Join(out, m.Version+".info"), []byte(info), 0o644)
}
