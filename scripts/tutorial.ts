/**
 * Runs the consumer-group tutorial against a running server and prints it as
 * the README's curl session: each command, then the response it got.
 *
 *   npm run build && npm start &   # in another terminal
 *   npx tsx scripts/tutorial.ts http://localhost:8080
 *
 * test/readme/tutorial.test.ts runs the README's blocks with bash and curl and checks that
 * every response still matches.
 */
const base = process.argv[2] ?? 'http://localhost:8080';
const shownBase = 'localhost:8080';

interface Step {
  redis: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  body?: unknown;
  /** Keeps the answer in this shell variable (and echoes it) for a later step. */
  capture?: string;
  /** A shell line run first, e.g. taking an ID out of a captured answer with jq. */
  before?: string;
  /** The `-d` argument as the shell sees it, when it uses a variable. */
  shellBody?: string;
}

async function run(step: Step): Promise<{ status: number; text: string; json: any }> {
  const response = await fetch(base + step.path, {
    method: step.method,
    headers: step.body === undefined ? {} : { 'content-type': 'application/json' },
    body: step.body === undefined ? undefined : JSON.stringify(step.body),
  });
  const text = await response.text();
  return { status: response.status, text, json: text ? JSON.parse(text) : undefined };
}

/** The step as a shell command: URLs quoted (zsh treats `?` as a glob), IDs from shell variables. */
function curl(step: Step): string {
  const parts = ['curl -s'];
  if (step.method !== 'GET') parts.push(`-X ${step.method}`);
  parts.push(`"${shownBase}${step.path}"`);
  if (step.body !== undefined) parts.push(`\\\n  -H 'content-type: application/json' -d ${step.shellBody ?? `'${JSON.stringify(step.body)}'`}`);
  const command = parts.join(' ');
  const captured = step.capture === undefined ? command : `${step.capture}=$(${command})\necho "$${step.capture}"`;
  return step.before === undefined ? captured : `${step.before}\n${captured}`;
}

const out: string[] = [];
async function show(step: Step): Promise<any> {
  const result = await run(step);
  out.push(`**\`${step.redis}\`**`, '', '```sh', curl(step), '```');
  const compact = JSON.stringify(result.json);
  if (result.text) out.push('```json', compact.length <= 100 ? compact : JSON.stringify(result.json, null, 2), '```');
  else out.push(`<sub>${result.status}, no body</sub>`);
  out.push('');
  return result.json;
}

const orders = '/v1/streams/orders';
const group = `${orders}/groups/order_group`;

await show({ redis: 'XGROUP CREATE orders order_group 0 MKSTREAM', method: 'POST', path: `${orders}/groups`, body: { name: 'order_group', startId: '0', mkStream: true } });
const added = [];
for (const [id, customer, amount] of [
  ['1001', 'Alice', '299.99'],
  ['1002', 'Bob', '149.50'],
  ['1003', 'Charlie', '599.99'],
]) {
  added.push(await show({ redis: `XADD orders * order_id ${id} customer "${customer}" amount ${amount}`, method: 'POST', path: `${orders}/messages`, body: { fields: { order_id: id, customer, amount } } }));
}
const payment = await show({
  redis: 'XREADGROUP GROUP order_group payment_processor COUNT 1 STREAMS orders >',
  method: 'POST',
  path: `${group}/consumers/payment_processor/read`,
  body: { count: 1 },
  capture: 'PAYMENT',
});
await show({ redis: 'XREADGROUP GROUP order_group inventory_checker COUNT 1 STREAMS orders >', method: 'POST', path: `${group}/consumers/inventory_checker/read`, body: { count: 1 } });
await show({ redis: 'XPENDING orders order_group', method: 'GET', path: `${group}/pending` });
await show({
  redis: 'XACK orders order_group $ID',
  method: 'POST',
  path: `${group}/acks`,
  body: { ids: [payment.messages[0].id] },
  before: `ID=$(echo "$PAYMENT" | jq -r '.messages[0].id')`,
  shellBody: '"{\\"ids\\":[\\"$ID\\"]}"',
});
await show({ redis: 'XPENDING orders order_group - + 10', method: 'GET', path: `${group}/pending/messages?count=10` });
await show({ redis: 'XINFO GROUPS orders', method: 'GET', path: `${orders}/groups` });
await show({ redis: 'XINFO CONSUMERS orders order_group', method: 'GET', path: `${group}/consumers` });
await show({ redis: 'XREADGROUP GROUP order_group inventory_checker STREAMS orders 0', method: 'POST', path: `${group}/consumers/inventory_checker/read`, body: { after: '0' } });
await show({ redis: 'XGROUP DELCONSUMER orders order_group inventory_checker', method: 'DELETE', path: `${group}/consumers/inventory_checker` });
await show({ redis: 'XGROUP SETID orders order_group 0', method: 'PATCH', path: group, body: { lastDeliveredId: '0' } });
await show({ redis: 'XREADGROUP GROUP order_group payment_processor STREAMS orders >', method: 'POST', path: `${group}/consumers/payment_processor/read`, body: {} });
await show({ redis: 'XGROUP DESTROY orders order_group', method: 'DELETE', path: group });
await show({ redis: 'DEL orders', method: 'DELETE', path: orders });

console.log(out.join('\n'));
