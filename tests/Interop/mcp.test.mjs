// The channel's MCP endpoint driven by the official MCP TypeScript SDK (@modelcontextprotocol/sdk, pinned in
// package-lock.json), the client most MCP hosts and the MCP Inspector are built on, over Streamable HTTP
// against the real server process.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { operatorToken, startServer } from './server.mjs';

// A browser-based MCP host the server is configured to admit (the MCP Inspector's default address).
const inspectorOrigin = 'http://localhost:6274';

let server;
const clients = [];

before(async () => {
  server = await startServer({ AgentChannel__Mcp__AllowedOrigins__0: inspectorOrigin });
});

after(async () => {
  await Promise.allSettled(clients.map((client) => client.close()));
  await server?.stop();
});

const uniqueName = (prefix) => `${prefix}-${randomUUID().slice(0, 8)}`;

/**
 * Connects as an MCP host does: initialize, then tools/list, which is also what makes the SDK check every
 * later structuredContent against the tool's output schema.
 */
async function connect({ token, headers = {} } = {}) {
  const client = new Client({ name: 'agentchannel-interop-tests', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL('/mcp', server.url), {
    requestInit: { headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...headers } },
  });
  await client.connect(transport);
  clients.push(client);
  await client.listTools();
  return client;
}

/** Calls a tool that must succeed and returns its structured content. */
async function call(client, name, args = {}) {
  const result = await client.callTool({ name, arguments: args });
  assert.notEqual(result.isError, true, `${name} failed: ${result.content?.[0]?.text}`);
  assert.ok(result.structuredContent, `${name} returns structured content`);
  assert.deepEqual(JSON.parse(result.content[0].text), result.structuredContent, `${name}: the text is the same JSON`);
  return result.structuredContent;
}

/** Calls a tool that must fail as a tool error (isError) with this code, and returns the error object. */
async function callFailing(client, name, args, code, field) {
  const result = await client.callTool({ name, arguments: args });
  assert.equal(result.isError, true, `${name} should have failed with ${code}: ${JSON.stringify(result)}`);
  const error = JSON.parse(result.content[0].text);
  assert.equal(error.code, code, JSON.stringify(error));
  assert.ok(error.message?.length > 0, 'the error says what is wrong');
  if (field !== undefined) assert.equal(error.field, field, JSON.stringify(error));
  return error;
}

async function register(capabilities = []) {
  const anonymous = await connect();
  const name = uniqueName('ts');
  const registered = await call(anonymous, 'register_agent', { name, type: 'llm', capabilities, metadata: { sdk: 'typescript' } });
  assert.equal(registered.created, true);
  assert.match(registered.token, /^ac_/);
  return { name, token: registered.token, client: await connect({ token: registered.token }) };
}

async function rest(method, path, token, body) {
  const response = await fetch(new URL(path, server.url), {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, json: response.status === 204 ? null : await response.json() };
}

/** Positions in a JSON Schema holding true/false in place of a sub-schema. */
function booleanSubSchemas(schema, path) {
  if (typeof schema === 'boolean') return [path];
  if (schema === null || typeof schema !== 'object') return [];
  return Object.entries(schema).flatMap(([keyword, value]) => {
    switch (keyword) {
      case 'properties':
      case '$defs':
        return Object.entries(value).flatMap(([name, sub]) => booleanSubSchemas(sub, `${path}.${name}`));
      case 'items':
      case 'additionalProperties':
      case 'not':
        return booleanSubSchemas(value, `${path}.${keyword}`);
      case 'anyOf':
      case 'oneOf':
      case 'allOf':
        return value.flatMap((sub, index) => booleanSubSchemas(sub, `${path}.${keyword}[${index}]`));
      default:
        return [];
    }
  });
}

describe('MCP with the official TypeScript SDK', () => {
  it('lists every tool without a validation error, each schema an object with no boolean sub-schema', async () => {
    const client = await connect();

    const { tools } = await client.listTools();

    assert.deepEqual(tools.map((tool) => tool.name).sort(), [
      'ack_inbox', 'approve_task', 'claim_task', 'complete_task', 'create_task', 'get_memory', 'list_agents',
      'list_memory', 'list_tasks', 'provide_input', 'read_artifact', 'read_inbox', 'register_agent', 'request_input',
      'rotate_token', 'search_memory', 'search_messages', 'send_back_task', 'send_message', 'set_memory', 'update_task',
      'upload_artifact',
    ]);
    for (const tool of tools) {
      assert.ok(tool.description, `${tool.name} has a description`);
      assert.equal(tool.inputSchema.type, 'object');
      assert.equal(tool.outputSchema?.type, 'object', `${tool.name} declares its output`);
      assert.deepEqual(booleanSubSchemas(tool.inputSchema, `${tool.name}.input`), []);
      assert.deepEqual(booleanSubSchemas(tool.outputSchema, `${tool.name}.output`), []);
    }
    const { resourceTemplates } = await client.listResourceTemplates();
    assert.ok(resourceTemplates.some((template) => template.uriTemplate.startsWith('agentchannel://inbox')));
  });

  it('registers two agents that send and receive a message through the inbox', async () => {
    const alice = await register();
    const bob = await register();
    // Busy: the channel hands them none of the tasks other tests leave open, so their inboxes hold only this.
    for (const agent of [alice, bob]) {
      assert.equal((await rest('PUT', `/api/agents/${agent.name}/status`, agent.token, { status: 'busy' })).status, 200);
    }

    const sent = await call(alice.client, 'send_message', { content: 'hello over MCP', recipients: [bob.name], metadata: { n: 1 } });
    assert.equal(sent.sender, alice.name);

    const inbox = await call(bob.client, 'read_inbox');
    const received = inbox.events.filter((event) => event.event === 'message:received');
    assert.equal(received.length, 1, JSON.stringify(inbox));
    assert.equal(received[0].data.content, 'hello over MCP');
    assert.equal(received[0].data.sender, alice.name);
    assert.deepEqual(received[0].data.metadata, { n: 1 });
    const acked = await call(bob.client, 'ack_inbox', { seq: received[0].seq });
    assert.equal(acked.acked_seq, received[0].seq);
    assert.deepEqual((await call(bob.client, 'read_inbox')).events.filter((event) => event.event === 'message:received'), []);

    const resource = await bob.client.readResource({ uri: `agentchannel://inbox?since_seq=${received[0].seq - 1}` });
    assert.equal(JSON.parse(resource.contents[0].text).events[0].data.content, 'hello over MCP');
  });

  it('creates a task that another agent claims, works on and completes', async () => {
    const skill = `interop-${randomUUID()}`;
    const creator = await register();
    const worker = await register([skill]);
    // Busy: the channel does not assign it the task by itself, so the claim is what gives it the task.
    assert.equal((await rest('PUT', `/api/agents/${worker.name}/status`, worker.token, { status: 'busy' })).status, 200);

    const task = await call(creator.client, 'create_task', { title: 'summarise', priority: 1, requirements: { capabilities: [skill] } });
    assert.equal(task.status, 'pending');
    assert.equal(task.creator, creator.name);

    const claimed = await call(worker.client, 'claim_task', { task_id: task.id });
    assert.equal(claimed.task.id, task.id);
    assert.equal(claimed.task.assigned_to, worker.name);
    assert.equal((await call(worker.client, 'update_task', { task_id: task.id, status: 'in_progress' })).status, 'in_progress');
    await callFailing(creator.client, 'complete_task', { task_id: task.id, result: 'not mine' }, 'forbidden');
    const completed = await call(worker.client, 'complete_task', { task_id: task.id, result: { summary: 'done', pages: [1, 2] } });
    assert.equal(completed.status, 'completed');

    const seen = await creator.client.readResource({ uri: `agentchannel://tasks/${task.id}` });
    const stored = JSON.parse(seen.contents[0].text);
    assert.equal(stored.status, 'completed');
    assert.deepEqual(stored.result, { summary: 'done', pages: [1, 2] });
  });

  it('sets and reads shared memory, and a stale version is a conflict that changes nothing', async () => {
    const agent = await register();
    const key = `interop/${agent.name}/plan`;

    assert.equal((await call(agent.client, 'set_memory', { key, value: { steps: ['a', { b: true }] }, expected_version: 0 })).version, 1);
    const read = await call(agent.client, 'get_memory', { key });
    assert.equal(read.version, 1);
    assert.deepEqual(read.value, { steps: ['a', { b: true }] });

    const conflict = await callFailing(agent.client, 'set_memory', { key, value: 'lost', expected_version: 7 }, 'conflict');
    assert.equal(conflict.current_version, 1);
    assert.deepEqual((await call(agent.client, 'get_memory', { key })).value, { steps: ['a', { b: true }] });
  });

  it('answers an unknown tool with the protocol error -32602', async () => {
    const agent = await register();

    await assert.rejects(agent.client.callTool({ name: 'no_such_tool', arguments: {} }), (error) => {
      assert.ok(error instanceof McpError, String(error));
      assert.equal(error.code, ErrorCode.InvalidParams);
      assert.match(error.message, /no_such_tool/);
      return true;
    });
  });

  it('answers arguments of the wrong type with an invalid tool error naming the argument, and changes nothing', async () => {
    const agent = await register();
    const title = uniqueName('typed');

    await callFailing(agent.client, 'create_task', { title, priority: 'high' }, 'invalid', 'priority');
    await callFailing(agent.client, 'create_task', { title, depends_on: 'not-a-list' }, 'invalid', 'depends_on');
    await callFailing(agent.client, 'create_task', { priority: 1 }, 'invalid', 'title');
    await callFailing(agent.client, 'set_memory', { key: 42, value: 1 }, 'invalid', 'key');
    await callFailing(agent.client, 'ack_inbox', { seq: 'latest' }, 'invalid', 'seq');

    const mine = await call(agent.client, 'list_tasks', { creator: agent.name });
    assert.deepEqual(mine.items, []);
  });

  it('refuses a foreign Origin with 403 and admits no Origin, its own origin and a configured one', async () => {
    const name = uniqueName('origin');
    const registerCall = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'register_agent', arguments: { name, type: 'llm' } } };
    const post = (origin) => fetch(new URL('/mcp', server.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...(origin ? { origin } : {}) },
      body: JSON.stringify(registerCall),
    });

    await assert.rejects(connect({ headers: { Origin: 'https://evil.example' } }), (error) => {
      assert.ok(error instanceof StreamableHTTPError, String(error));
      assert.equal(error.code, 403);
      return true;
    });
    const refused = await post('https://evil.example');
    assert.equal(refused.status, 403);
    assert.equal((await refused.json()).code, 'forbidden');
    assert.equal((await rest('GET', `/api/agents/${name}`, operatorToken)).status, 404, 'a refused request registered nobody');

    await connect({ headers: { Origin: new URL(server.url).origin } });
    await connect({ headers: { Origin: inspectorOrigin } });
    const admitted = await post(undefined);
    assert.equal(admitted.status, 200);
    await admitted.text();
    assert.equal((await rest('GET', `/api/agents/${name}`, operatorToken)).status, 200);
  });
});
