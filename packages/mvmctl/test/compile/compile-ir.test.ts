// mvmctl compile from Workload IR: staged output, atomicity, determinism, errors. Real files, the
// real CLI process.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmod,
  lstat,
  mkdir,
  readdir,
  readFile,
  readlink,
  stat,
  symlink,
  utimes,
  writeFile,
} from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import { ARTIFACT_FORMAT_VERSION } from "../../src/contracts/compiled-dir.js";
import { MVMCTL, runCli, tempDir } from "../helpers/cli.js";

const IR = {
  schema_version: "0.1",
  id: "hello",
  apps: [
    {
      name: "hello",
      source: { kind: "local_path", path: ".", include: ["**"], exclude: ["secret/**"] },
      image: { kind: "nix_packages", packages: ["python312"] },
      env: {
        MODE: { kind: "literal", value: "prod" },
        API_KEY: {
          kind: "secret_ref",
          ref: {
            name: "api-key",
            mount: { kind: "env", var: "API_KEY" },
            allowed_hosts: ["api.example.com"],
          },
        },
      },
      entrypoints: [
        { kind: "function", language: "python", module: "app", function: "greet", primary: true },
      ],
      hooks: { before_start: [{ kind: "shell", line: "echo hi" }] },
    },
  ],
};

async function project(ir: unknown = IR): Promise<string> {
  const dir = await tempDir();
  await mkdir(path.join(dir, "proj/pkg"), { recursive: true });
  await mkdir(path.join(dir, "proj/secret"), { recursive: true });
  await mkdir(path.join(dir, "proj/.git"), { recursive: true });
  await writeFile(
    path.join(dir, "proj/app.py"),
    "def greet(name, *, loud=False):\n    return f'hello {name}'\n",
  );
  await writeFile(path.join(dir, "proj/pkg/tool.sh"), "#!/bin/sh\necho tool\n");
  await chmod(path.join(dir, "proj/pkg/tool.sh"), 0o700);
  await writeFile(path.join(dir, "proj/secret/key.txt"), "not for the bundle");
  await writeFile(path.join(dir, "proj/.git/HEAD"), "ref: refs/heads/main\n");
  await symlink("app.py", path.join(dir, "proj/alias.py"));
  await writeFile(path.join(dir, "proj/workload.json"), JSON.stringify(ir, null, 2));
  return dir;
}

async function listTree(root: string, rel = ""): Promise<string[]> {
  const out: string[] = [];
  for (const name of (await readdir(path.join(root, rel))).sort()) {
    const p = rel ? `${rel}/${name}` : name;
    const st = await lstat(path.join(root, p));
    out.push(
      `${st.isSymbolicLink() ? "l" : st.isDirectory() ? "d" : "f"} ${(st.mode & 0o777).toString(8)} ${p}`,
    );
    if (st.isDirectory()) out.push(...(await listTree(root, p)));
  }
  return out;
}

describe("compile --from-ir", () => {
  it("writes workload.json, launch.json, flake.nix and src/ per the include/exclude rules", async () => {
    const dir = await project();
    const r = await runCli(["compile", "--from-ir", "proj/workload.json", "--out", "out"], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /compiled directory: .*out/);
    assert.equal(r.stdout, "");
    const tree = await listTree(path.join(dir, "out"));
    assert.deepEqual(tree, [
      "f 644 flake.nix",
      "f 644 launch.json",
      "d 755 src",
      "l 777 src/alias.py",
      "f 644 src/app.py",
      "d 755 src/pkg",
      "f 755 src/pkg/tool.sh",
      "f 644 src/workload.json",
      "f 644 workload.json",
    ]);
    assert.equal(await readlink(path.join(dir, "out/src/alias.py")), "app.py");
    const workload = await readFile(path.join(dir, "out/workload.json"), "utf8");
    assert.ok(!workload.endsWith("\n"), "canonical bytes have no trailing newline");
    assert.ok(workload.includes('"secret_ref"'), "workload.json keeps secret refs");
    const launch = JSON.parse(await readFile(path.join(dir, "out/launch.json"), "utf8"));
    assert.equal(launch.artifact_format_version, ARTIFACT_FORMAT_VERSION);
    assert.deepEqual(launch.env, { MODE: "prod" }, "launch.json env holds literals only");
    assert.equal(launch.secrets.API_KEY.name, "api-key");
    assert.equal(launch.source.file_count, 4);
    assert.equal(launch.primary, "greet");
    assert.deepEqual(launch.signatures.greet.params, [
      { name: "name", kind: "normal", required: true },
      { name: "loud", kind: "keyword_only", required: false },
    ]);
    assert.deepEqual(launch.hooks, { before_start: [{ kind: "shell", line: "echo hi" }] });
    // ir_hash in launch.json is of the workload with secret refs removed.
    const noSecret = structuredClone(IR) as typeof IR;
    delete (noSecret.apps[0]!.env as Record<string, unknown>).API_KEY;
    const r2 = await runCli(["compile", "-", "--out", "out2", "--json"], {
      cwd: path.join(dir, "proj"),
      input: JSON.stringify(noSecret),
    });
    assert.equal(r2.code, 0, r2.stderr);
    assert.equal(JSON.parse(r2.stdout).ir_hash, launch.ir_hash);
  });

  it("computes tree_hash as spec §5 describes", async () => {
    const dir = await project();
    const r = await runCli(["compile", "proj/workload.json", "--out", "out"], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const launch = JSON.parse(await readFile(path.join(dir, "out/launch.json"), "utf8"));
    const sha = async (p: string) =>
      createHash("sha256")
        .update(await readFile(path.join(dir, "proj", p)))
        .digest("hex");
    const lines = [
      `l 0120 alias.py\0app.py\n`,
      `f 0644 app.py\0${await sha("app.py")}\n`,
      `f 0755 pkg/tool.sh\0${await sha("pkg/tool.sh")}\n`,
      `f 0644 workload.json\0${await sha("workload.json")}\n`,
    ];
    assert.equal(launch.source.tree_hash, createHash("sha256").update(lines.join("")).digest("hex"));
  });

  it("writes byte-identical .tgz archives across mtime changes and umasks", async () => {
    const dir = await project();
    const a = await runCli(["compile", "--from-ir", "proj/workload.json", "--out", "a.tgz"], { cwd: dir });
    assert.equal(a.code, 0, a.stderr);
    await utimes(path.join(dir, "proj/app.py"), new Date(2001, 1, 1), new Date(2001, 1, 1));
    const b = await runCli(["compile", "--from-ir", "proj/workload.json", "--out", "b.tar.gz"], { cwd: dir });
    assert.equal(b.code, 0, b.stderr);
    // Through a shell so that the CLI really runs under another umask.
    execFileSync(
      "sh",
      [
        "-c",
        `umask 077 && "${process.execPath}" "${MVMCTL}" compile --from-ir proj/workload.json --out c.tgz -q`,
      ],
      { cwd: dir },
    );
    const [ba, bb, bc] = await Promise.all(
      ["a.tgz", "b.tar.gz", "c.tgz"].map((f) => readFile(path.join(dir, f))),
    );
    assert.ok(ba!.equals(bb!), "mtime change must not change the archive");
    assert.ok(ba!.equals(bc!), "umask must not change the archive");
    // gzip header: mtime 0, no FNAME flag.
    assert.equal(ba![3]! & 0x08, 0);
    assert.equal(ba!.readUInt32LE(4), 0);
    const listing = execFileSync("tar", ["tzvf", path.join(dir, "a.tgz")], { encoding: "utf8" });
    for (const line of listing.trim().split("\n")) {
      assert.match(line, /^[-dl]r[-w][-x]r[-w][-x]r[-w][-x] 0\/0 .* 1970-01-01 00:00 /, line);
    }
    assert.match(listing, / src\/$/m);
  });

  it("is atomic: a failing compile writes nothing and leaves an existing --out untouched", async () => {
    const dir = await project();
    const ok = await runCli(["compile", "proj/workload.json", "--out", "out"], { cwd: dir });
    assert.equal(ok.code, 0, ok.stderr);
    const before = await listTree(path.join(dir, "out"));
    const bad = structuredClone(IR) as Record<string, unknown>;
    bad.id = "Not_An_Id";
    await writeFile(path.join(dir, "proj/bad.json"), JSON.stringify(bad));
    const r = await runCli(["compile", "proj/bad.json", "--out", "out"], { cwd: dir });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /error\[E_INVALID_ID\]: proj\/bad\.json:1:\d+: .*\(at \.id\)/);
    assert.deepEqual(await listTree(path.join(dir, "out")), before);
    const r2 = await runCli(["compile", "proj/bad.json", "--out", "fresh"], { cwd: dir });
    assert.equal(r2.code, 1);
    await assert.rejects(stat(path.join(dir, "fresh")));
    const leftovers = (await readdir(dir)).filter((n) => n.includes(".tmp-") || n.includes(".old-"));
    assert.deepEqual(leftovers, []);
  });

  it("refuses an --out that exists and is not a directory", async () => {
    const dir = await project();
    await writeFile(path.join(dir, "file"), "keep me");
    const r = await runCli(["compile", "proj/workload.json", "--out", "file"], { cwd: dir });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /E_COMPILE_OUTPUT_EXISTS_NOT_DIR/);
    assert.equal(await readFile(path.join(dir, "file"), "utf8"), "keep me");
  });

  it("refuses symlinks that leave the source tree", async () => {
    const dir = await project();
    await symlink("/etc/passwd", path.join(dir, "proj/passwd"));
    await symlink("../../outside", path.join(dir, "proj/pkg/up"));
    const r = await runCli(["compile", "proj/workload.json", "--out", "out"], { cwd: dir });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /E_SOURCE_OUT_OF_TREE_SYMLINK.*passwd -> \/etc\/passwd/);
    assert.match(r.stderr, /pkg\/up -> \.\.\/\.\.\/outside/);
  });

  it("reports every problem as JSON with --json", async () => {
    const dir = await project();
    const bad = structuredClone(IR) as { apps: Record<string, unknown>[] };
    bad.apps[0]!.network = {
      mode: "none",
      ports: [{ mapping_id: "web", host: 8080, guest: 80 }],
      egress: { allowlist: [{ host: "*", port: 443 }] },
    };
    bad.apps[0]!.bogus = true;
    const r = await runCli(["compile", "-", "--out", "out", "--json"], {
      cwd: dir,
      input: JSON.stringify(bad),
    });
    assert.equal(r.code, 1);
    const body = JSON.parse(r.stdout);
    assert.equal(body.ok, false);
    const codes = body.error.diagnostics.map((d: { code: string; path: string }) => `${d.code} ${d.path}`);
    assert.deepEqual(codes, ["E_UNKNOWN_FIELD .apps[0].bogus"]);
    delete bad.apps[0]!.bogus;
    const r2 = await runCli(["compile", "-", "--out", "out", "--json"], {
      cwd: dir,
      input: JSON.stringify(bad),
    });
    const codes2 = JSON.parse(r2.stdout).error.diagnostics.map(
      (d: { code: string; path: string }) => `${d.code} ${d.path}`,
    );
    assert.deepEqual(codes2.sort(), [
      "E_NETWORK_PORTS_WITH_NONE .apps[0].network.egress",
      "E_NETWORK_PORTS_WITH_NONE .apps[0].network.ports",
      "E_NETWORK_WILDCARD .apps[0].network.egress.allowlist[0].host",
    ]);
  });

  it("points JSON syntax errors at file:line:col", async () => {
    const dir = await project();
    await writeFile(path.join(dir, "broken.json"), '{\n  "schema_version": "0.1",\n  "id": "x",,\n}');
    const r = await runCli(["compile", "broken.json", "--out", "out"], { cwd: dir });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /error\[E_MALFORMED_MANIFEST\]: broken\.json:3:13: invalid JSON/);
  });

  it("checks function entrypoints against the bundled source", async () => {
    const dir = await project({
      ...IR,
      apps: [
        {
          ...IR.apps[0]!,
          entrypoints: [
            { kind: "function", language: "python", module: "app", function: "missing", primary: true },
            { kind: "function", language: "python", module: "nope", function: "f" },
          ],
        },
      ],
    });
    const r = await runCli(["compile", "proj/workload.json", "--out", "out"], { cwd: dir });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /E_FUNCTION_NOT_FOUND.*"missing" is not defined at module level in app\.py/);
    assert.match(r.stderr, /E_FUNCTION_NOT_FOUND.*module "nope" is not in the bundled source/);
  });

  it("emits a flake.nix that parses offline and reads launch.json", async () => {
    const dir = await project();
    const r = await runCli(["compile", "proj/workload.json", "--out", "out"], {
      cwd: dir,
      env: { MVM_FLAKE_URL: "path:/opt/mvm" },
    });
    assert.equal(r.code, 0, r.stderr);
    const flake = await readFile(path.join(dir, "out/flake.nix"), "utf8");
    assert.match(flake, /^# Generated by mvmctl compile\. Do not edit/);
    assert.match(flake, /mvm\.url = "path:\/opt\/mvm";/);
    assert.match(flake, /builtins\.readFile \.\/launch\.json/);
    assert.ok(!flake.includes("\r"));
    execFileSync("nix-instantiate", ["--parse", path.join(dir, "out/flake.nix")], { stdio: "pipe" });
  });
});
