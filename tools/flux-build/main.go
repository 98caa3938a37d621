// Command flux-build renders a Flux Kustomization the way kustomize-controller
// does, with Flux's own packages: the source is packed as source-controller
// packs a GitRepository (.sourceignore, spec.ignore, default exclusions), the
// Kustomization's spec is written into the kustomization.yaml at spec.path,
// kustomize builds with plugins disabled and file access confined to the
// source root, and postBuild substitution runs per object.
//
// postBuild.substituteFrom is resolved against ConfigMaps and Secrets read
// from -vars files instead of a cluster, so a missing non-optional reference
// fails as it would in the controller.
package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/fluxcd/pkg/kustomize"
	"github.com/fluxcd/pkg/sourceignore"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

var errNotFound = errors.New("not found")

type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

func main() {
	var (
		root, ksFile, name, sourceFile string
		varFiles                       stringList
		strict                         bool
	)
	flag.StringVar(&root, "root", ".", "repository root: what the GitRepository checks out")
	flag.StringVar(&sourceFile, "source", "", "file with the GitRepository whose spec.ignore applies (optional)")
	flag.StringVar(&ksFile, "kustomization", "", "file with one or more Flux Kustomizations (required)")
	flag.StringVar(&name, "name", "", "which Kustomization in that file (required when it holds several)")
	flag.Var(&varFiles, "vars", "YAML file of ConfigMaps/Secrets that postBuild.substituteFrom may name (repeatable)")
	flag.BoolVar(&strict, "strict", true, "fail on a variable that is used but not defined, as kustomize-controller's strict substitution does")
	flag.Parse()
	if ksFile == "" || flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	out, err := run(root, sourceFile, ksFile, name, varFiles, strict)
	if err != nil {
		fmt.Fprintln(os.Stderr, "flux-build:", err)
		os.Exit(1)
	}
	os.Stdout.Write(out)
}

func run(root, sourceFile, ksFile, name string, varFiles []string, strict bool) ([]byte, error) {
	ks, err := pick(ksFile, "Kustomization", name)
	if err != nil {
		return nil, err
	}
	var ignore *string
	if sourceFile != "" {
		src, err := pick(sourceFile, "GitRepository", "")
		if err != nil {
			return nil, err
		}
		if s, ok, _ := unstructured.NestedString(src.Object, "spec", "ignore"); ok {
			ignore = &s
		}
	}

	work, err := os.MkdirTemp("", "flux-build-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)
	// The controller edits kustomization.yaml in its own copy of the artifact;
	// so does this tool, never the repository.
	if err := packSource(root, work, ignore); err != nil {
		return nil, err
	}

	path, _, _ := unstructured.NestedString(ks.Object, "spec", "path")
	dir := filepath.Join(work, filepath.Clean("/"+path))
	if _, err := kustomize.NewGenerator(work, *ks).WriteFile(dir); err != nil {
		return nil, fmt.Errorf("kustomization %s: %w", ks.GetName(), err)
	}
	resMap, err := kustomize.SecureBuild(work, dir, false)
	if err != nil {
		return nil, fmt.Errorf("kustomize build failed: %w", err)
	}

	if _, ok := ks.Object["spec"].(map[string]any)["postBuild"]; ok {
		if err := inlineSubstituteFrom(ks, varFiles); err != nil {
			return nil, err
		}
		for _, res := range resMap.Resources() {
			// Dry-run: the variables were inlined above instead of read from a cluster.
			out, err := kustomize.SubstituteVariables(context.Background(), nil, *ks, res,
				kustomize.SubstituteWithDryRun(true), kustomize.SubstituteWithStrict(strict))
			if err != nil {
				return nil, fmt.Errorf("post build failed for '%s': %w", res.GetName(), err)
			}
			if out != nil {
				if _, err := resMap.Replace(res); err != nil {
					return nil, err
				}
			}
		}
	}
	return resMap.AsYaml()
}

// pick returns the object of the given kind in file, by name when several match.
func pick(file, kind, name string) (*unstructured.Unstructured, error) {
	objs, err := readObjects(file)
	if err != nil {
		return nil, err
	}
	var found []*unstructured.Unstructured
	for _, o := range objs {
		if o.GetKind() == kind && (name == "" || o.GetName() == name) {
			found = append(found, o)
		}
	}
	switch {
	case len(found) == 1:
		return found[0], nil
	case len(found) == 0:
		return nil, fmt.Errorf("%s: no %s named %q", file, kind, name)
	default:
		return nil, fmt.Errorf("%s: %d objects of kind %s, pick one with -name", file, len(found), kind)
	}
}

func readObjects(file string) ([]*unstructured.Unstructured, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var objs []*unstructured.Unstructured
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	for {
		m := map[string]any{}
		if err := dec.Decode(&m); errors.Is(err, io.EOF) {
			return objs, nil
		} else if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		if len(m) > 0 {
			objs = append(objs, &unstructured.Unstructured{Object: m})
		}
	}
}

// inlineSubstituteFrom resolves spec.postBuild.substituteFrom against the
// -vars objects and merges the result under spec.postBuild.substitute, whose
// own values win, as in the controller.
func inlineSubstituteFrom(ks *unstructured.Unstructured, varFiles []string) error {
	var objs []*unstructured.Unstructured
	for _, f := range varFiles {
		o, err := readObjects(f)
		if err != nil {
			return err
		}
		objs = append(objs, o...)
	}
	refs, _, err := unstructured.NestedSlice(ks.Object, "spec", "postBuild", "substituteFrom")
	if err != nil {
		return err
	}
	vars := map[string]any{}
	for _, r := range refs {
		ref, _ := r.(map[string]any)
		kind, _ := ref["kind"].(string)
		refName, _ := ref["name"].(string)
		optional, _ := ref["optional"].(bool)
		data, err := lookup(objs, kind, refName)
		if errors.Is(err, errNotFound) && optional {
			continue
		}
		if err != nil {
			return fmt.Errorf("substitute from '%s/%s' error: %w", kind, refName, err)
		}
		for k, v := range data {
			vars[k] = strings.ReplaceAll(v, "\n", "")
		}
	}
	inline, _, err := unstructured.NestedStringMap(ks.Object, "spec", "postBuild", "substitute")
	if err != nil {
		return err
	}
	for k, v := range inline {
		vars[k] = v
	}
	return unstructured.SetNestedMap(ks.Object, vars, "spec", "postBuild", "substitute")
}

func lookup(objs []*unstructured.Unstructured, kind, name string) (map[string]string, error) {
	for _, o := range objs {
		if o.GetKind() != kind || o.GetName() != name {
			continue
		}
		data, _, _ := unstructured.NestedStringMap(o.Object, "data")
		if kind == "Secret" {
			for k, v := range data {
				raw, err := base64.StdEncoding.DecodeString(v)
				if err != nil {
					return nil, fmt.Errorf("data.%s: %w", k, err)
				}
				data[k] = string(raw)
			}
			plain, _, _ := unstructured.NestedStringMap(o.Object, "stringData")
			for k, v := range plain {
				if data == nil {
					data = map[string]string{}
				}
				data[k] = v
			}
		}
		return data, nil
	}
	return nil, fmt.Errorf("%w in any -vars file", errNotFound)
}

// packSource copies root into dst, leaving out what source-controller leaves
// out of a GitRepository artifact.
func packSource(root, dst string, ignore *string) error {
	root, err := filepath.Abs(root)
	if err != nil {
		return err
	}
	patterns, err := sourceignore.LoadIgnorePatterns(root, nil)
	if err != nil {
		return err
	}
	if ignore != nil {
		patterns = append(patterns, sourceignore.ReadPatterns(strings.NewReader(*ignore), nil)...)
	}
	matcher := sourceignore.NewDefaultMatcher(patterns, nil)
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil || rel == "." {
			return err
		}
		if matcher.Match(strings.Split(rel, string(filepath.Separator)), d.IsDir()) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		return copyFile(p, target)
	})
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
