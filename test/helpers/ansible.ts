// examples/ansible/ run with Debian's ansible-core against localhost (-c local): shared by
// test/integration/ansible.test.ts (the Debian agent) and test/agent-tier/ansible.tier.ts (the Cloud-enabled agents).
// prepareAnsible() packs the built dist/ into a tarball, writes the claim token into an Ansible Vault file and an
// inventory for localhost; playbook() runs examples/ansible/playbook.yml with the given role variables and returns
// the recap, asserting the token is in no output.
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {cpSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {ROOT, runProcess} from './cli.js'

export interface Recap {
  changed: number
  failed: number
  ok: number
  output: string
}

export interface AnsibleRig {
  tmp: string
  token: string
  /** the tarball the role installs from */
  tarball: string
  /** ANSIBLE_LOG_PATH */
  log: string
  /** npm's cache, which `npm ci` filled: the role installs with --offline from it (HOME is the temp dir here) */
  npmCache: string
  playbook(vars: Record<string, unknown>, extra?: string[], env?: NodeJS.ProcessEnv): Promise<Recap>
}

export function prepareAnsible(tmp: string, token: string): AnsibleRig {
  const npmCache = execFileSync('npm', ['config', 'get', 'cache'], {encoding: 'utf8'}).trim()
  const log = join(tmp, 'ansible.log')
  // the tarball from the built dist/ (install.test.ts covers `npm pack` itself), with the lock as its shrinkwrap
  const pkg = join(tmp, 'pkg')
  mkdirSync(pkg)
  for (const entry of ['bin', 'dist', 'oclif.manifest.json', 'package.json', 'schemas'])
    cpSync(join(ROOT, entry), join(pkg, entry), {recursive: true})
  cpSync(join(ROOT, 'package-lock.json'), join(pkg, 'npm-shrinkwrap.json'))
  const name = execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', tmp], {
    cwd: pkg,
    stdio: ['ignore', 'pipe', 'ignore'],
  })
    .toString()
    .trim()
    .split('\n')
    .pop()!
  writeFileSync(join(tmp, 'vault-password'), 'test-vault-password\n', {mode: 0o600})
  writeFileSync(join(tmp, 'vault.yml'), `netdata_cloud_claim_token: ${token}\n`, {mode: 0o600})
  execFileSync('ansible-vault', ['encrypt', '--vault-password-file', join(tmp, 'vault-password'), 'vault.yml'], {
    cwd: tmp,
    env: {...process.env, ANSIBLE_HOME: join(tmp, 'ansible-home'), HOME: tmp},
  })
  assert.ok(!readFileSync(join(tmp, 'vault.yml'), 'utf8').includes(token))
  writeFileSync(
    join(tmp, 'inventory.ini'),
    '[netdata]\nlocalhost ansible_connection=local ansible_become=false ansible_python_interpreter=/usr/bin/python3\n',
  )

  return {
    log,
    npmCache,
    async playbook(vars, extra = [], env = {}) {
      const varsFile = join(tmp, 'vars.json')
      writeFileSync(varsFile, JSON.stringify(vars))
      const r = await runProcess(
        'ansible-playbook',
        [
          '-i',
          join(tmp, 'inventory.ini'),
          join(ROOT, 'examples/ansible/playbook.yml'),
          '-e',
          `@${varsFile}`,
          '-e',
          `@${join(tmp, 'vault.yml')}`,
          '--vault-password-file',
          join(tmp, 'vault-password'),
          ...extra,
        ],
        {
          cwd: tmp,
          env: {
            ANSIBLE_HOME: join(tmp, 'ansible-home'),
            ANSIBLE_LOCAL_TEMP: join(tmp, 'ansible-tmp'),
            ANSIBLE_LOG_PATH: log,
            ANSIBLE_NOCOLOR: '1',
            ANSIBLE_RETRY_FILES_ENABLED: '0',
            HOME: tmp,
            NODE_EXTRA_CA_CERTS: undefined,
            PATH: process.env.PATH,
            npm_config_cache: npmCache,
            ...env,
          },
          timeoutMs: 300_000,
        },
      )
      const output = r.stdout + r.stderr
      const recap = /^localhost\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=\d+\s+failed=(\d+)/m.exec(output)
      assert.ok(recap, output)
      assert.ok(!output.includes(token), 'the token is not in the output')
      return {changed: Number(recap[2]), failed: Number(recap[3]), ok: Number(recap[1]), output}
    },
    tarball: join(tmp, name),
    tmp,
    token,
  }
}
