import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pulumiYaml, withConfigReference } from "./configReference";

// Regenerates Pulumi.yaml's config declarations and the README's configuration reference from config/schema.ts.
const root = join(__dirname, "..", "..");
writeFileSync(join(root, "Pulumi.yaml"), pulumiYaml());
const readme = join(root, "README.md");
writeFileSync(readme, withConfigReference(readFileSync(readme, "utf8")));
console.log("wrote Pulumi.yaml and README.md configuration reference");
