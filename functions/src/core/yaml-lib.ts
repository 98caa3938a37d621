/**
 * The `yaml` package, loaded when first asked for. It keeps comments and styles when an item is
 * edited and reads what js-yaml refuses, which most plugin runs never need: loading it anyway was a
 * measurable part of the executable's start. The bundle and the tests both resolve this `require`.
 */
import type * as Yaml from "yaml";

let loaded: typeof Yaml | undefined;

export function yamlLib(): typeof Yaml {
  return (loaded ??= require("yaml") as typeof Yaml);
}
