// The channel's A2A endpoint driven by the official A2A JavaScript SDK (@a2a-js/sdk, pinned in package-lock.json;
// A2A protocol 1.0 over its JSON-RPC binding) against the real server process. Our own agents are driven over
// REST, as any agent of the channel would be.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Role, TaskState } from '@a2a-js/sdk';
import { ClientFactory, ClientFactoryOptions, JsonRpcTransportFactory, createAuthenticatingFetchWithRetry } from '@a2a-js/sdk/client';
import { startServer } from './server.mjs';

let server;

before(async () => {
  server = await startServer();
});

after(async () => {
  await server?.stop();
});

const uniqueName = (prefix) => `${prefix}-${randomUUID().slice(0, 8)}`;
const stateName = (state) => TaskState[state].replace('TASK_STATE_', '').toLowerCase();

async function rest(method, path, token, body) {
  const response = await fetch(new URL(path, server.url), {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, json: response.status === 204 ? null : await response.json() };
}

async function register(capabilities = []) {
  const name = uniqueName('a2a');
  const { status, json } = await rest('POST', '/api/agents/register', undefined, { name, type: 'llm', capabilities });
  assert.equal(status, 201, JSON.stringify(json));
  return { name, token: json.token };
}

/** A client as the SDK's README builds one: card from the well-known URL, the agent token on every request. */
async function a2aClient(token, clientConfig) {
  const authenticated = createAuthenticatingFetchWithRetry(fetch, {
    headers: async () => (token ? { authorization: `Bearer ${token}` } : {}),
    shouldRetryWithHeaders: async () => undefined,
  });
  const factory = new ClientFactory(ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
    transports: [new JsonRpcTransportFactory({ fetchImpl: authenticated })],
    clientConfig,
  }));
  return factory.createFromUrl(server.url);
}

function textMessage(text, metadata, extra = {}) {
  return { messageId: randomUUID(), role: Role.ROLE_USER, parts: [{ content: { $case: 'text', value: text } }], metadata, ...extra };
}

/** Our agent takes the task (the engine may have handed it over already), starts it and completes it with a result. */
async function work(worker, taskId, result) {
  const claimed = await rest('POST', '/api/tasks/claim', worker.token);
  if (claimed.status === 204) {
    const task = await rest('GET', `/api/tasks/${taskId}`, worker.token);
    assert.equal(task.json.assigned_to, worker.name, 'the engine assigned it to the only capable agent');
  } else {
    assert.equal(claimed.json.id, taskId);
  }
  assert.equal((await rest('PUT', `/api/tasks/${taskId}`, worker.token, { status: 'in_progress' })).status, 200);
  const completed = await rest('POST', `/api/tasks/${taskId}/complete`, worker.token, { result });
  assert.equal(completed.status, 200, JSON.stringify(completed.json));
}

async function rpc(body, token) {
  const response = await fetch(new URL('/a2a', server.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, json: await response.json() };
}

describe('A2A with the official JavaScript SDK', () => {
  it('serves an agent card the SDK connects with: JSON-RPC endpoint, streaming, bearer token, the capabilities as skills', async () => {
    const capability = uniqueName('cap');
    await register([capability]);

    const client = await a2aClient(undefined);

    const card = await client.getAgentCard();
    assert.equal(card.supportedInterfaces[0].url, `${server.url}/a2a`);
    assert.equal(card.supportedInterfaces[0].protocolBinding, 'JSONRPC');
    assert.equal(card.supportedInterfaces[0].protocolVersion, '1.0');
    assert.equal(card.capabilities.streaming, true);
    assert.equal(card.securitySchemes.agent_token.scheme.value.scheme, 'Bearer');
    assert.ok(card.securityRequirements[0].schemes.agent_token);
    assert.ok(card.skills.some((skill) => skill.id === 'task'));
    assert.ok(card.skills.some((skill) => skill.id === capability), 'a registered capability is a skill');
  });

  it('streams a task from submitted through working to completed while one of our agents does it', async () => {
    const capability = uniqueName('translate');
    const requester = await register();
    const worker = await register([capability]);
    // Busy, so the engine does not hand it the task the moment it is created (a free agent makes it working at once):
    // the task waits, submitted, until the worker claims it.
    const busy = await rest('PUT', `/api/agents/${worker.name}/status`, worker.token, { status: 'busy' });
    assert.equal(busy.status, 200, JSON.stringify(busy.json));
    const client = await a2aClient(requester.token);

    const states = [];
    let artifact;
    let working;
    for await (const event of client.sendMessageStream({
      message: textMessage('Translate "hello" to French\nPlease answer as JSON.', { capabilities: [capability], priority: 2 }),
    })) {
      const { $case, value } = event.payload;
      if ($case === 'task') {
        assert.equal(value.contextId, value.id, 'the context is the task\'s thread');
        assert.equal(value.metadata.agentchannel_task.title, 'Translate "hello" to French');
        assert.deepEqual(value.metadata.agentchannel_task.requirements, { capabilities: [capability] });
        states.push(stateName(value.status.state));
        // Only once the stream has shown the task: what follows must arrive as updates.
        working = work(worker, value.id, { text: 'bonjour' });
      } else if ($case === 'statusUpdate') {
        states.push(stateName(value.status.state));
      } else if ($case === 'artifactUpdate') {
        artifact = value.artifact;
      }
    }
    await working;

    assert.deepEqual(states, ['submitted', 'working', 'completed']);
    assert.equal(artifact.name, 'result');
    assert.deepEqual(artifact.parts[0].content, { $case: 'data', value: { text: 'bonjour' } });
  });

  it('answers a blocking send once the task is completed, with its result', async () => {
    const capability = uniqueName('sum');
    const requester = await register();
    const worker = await register([capability]);
    const client = await a2aClient(requester.token);

    const answer = client.sendMessage({ message: textMessage('Add 2 and 3', { capabilities: [capability] }) });
    const deadline = Date.now() + 20_000;
    let task;
    while (!(task = (await rest('GET', `/api/tasks?creator=${requester.name}`, requester.token)).json.items[0])) {
      assert.ok(Date.now() < deadline, 'the task was created');
      await new Promise((wake) => setTimeout(wake, 50));
    }
    await work(worker, task.id, 5);
    const done = await answer;

    assert.equal(done.id, task.id);
    assert.equal(stateName(done.status.state), 'completed');
    assert.deepEqual(done.artifacts[0].parts[0].content, { $case: 'data', value: 5 });
  });

  it('returns a blocking send at input-required with the question, and the requester\'s next message is the answer', async () => {
    const capability = uniqueName('ask');
    const requester = await register();
    const worker = await register([capability]);
    const client = await a2aClient(requester.token);

    const first = client.sendMessage({ message: textMessage('Translate "hello"', { capabilities: [capability] }) });
    const deadline = Date.now() + 20_000;
    let task;
    while (!(task = (await rest('GET', `/api/tasks?creator=${requester.name}`, requester.token)).json.items[0])) {
      assert.ok(Date.now() < deadline, 'the task was created');
      await new Promise((wake) => setTimeout(wake, 50));
    }
    const claimed = await rest('POST', '/api/tasks/claim', worker.token);
    assert.ok(claimed.status === 204 || claimed.json.id === task.id);
    const asked = await rest('POST', `/api/tasks/${task.id}/request-input`, worker.token, { question: 'Into which language?' });
    assert.equal(asked.status, 200, JSON.stringify(asked.json));

    const waiting = await first;
    assert.equal(stateName(waiting.status.state), 'input_required');
    assert.deepEqual(waiting.status.message.parts[0].content, { $case: 'text', value: 'Into which language?' });

    const second = client.sendMessage({ message: textMessage('French', undefined, { taskId: task.id }) });
    let answered;
    while ((answered = (await rest('GET', `/api/tasks/${task.id}`, worker.token)).json).status !== 'in_progress') {
      assert.ok(Date.now() < deadline, `the answer to arrive (the task is ${answered.status})`);
      await new Promise((wake) => setTimeout(wake, 50));
    }
    assert.equal(answered.input_request.answer, 'French');
    const inbox = await rest('GET', '/api/events/poll?since_seq=0&limit=100&wait_seconds=0', worker.token);
    assert.ok(inbox.json.events.some((e) => e.event === 'task:input_provided' && e.data.input_request.answer === 'French'));
    assert.equal((await rest('POST', `/api/tasks/${task.id}/complete`, worker.token, { result: 'bonjour' })).status, 200);
    const done = await second;
    assert.equal(stateName(done.status.state), 'completed');
  });

  it('cancels a task it sent, and a second cancel is TaskNotCancelable', async () => {
    const requester = await register();
    const client = await a2aClient(requester.token, { polling: true });

    const task = await client.sendMessage({ message: textMessage('Nobody can do this', { capabilities: [uniqueName('none')] }) });
    assert.equal(stateName(task.status.state), 'submitted', 'returnImmediately answers at once');

    const cancelled = await client.cancelTask({ id: task.id });
    assert.equal(stateName(cancelled.status.state), 'canceled');
    assert.equal(stateName((await client.getTask({ id: task.id })).status.state), 'canceled');
    assert.equal((await rest('GET', `/api/tasks/${task.id}`, requester.token)).json.status, 'cancelled');
    await assert.rejects(client.cancelTask({ id: task.id }), (error) => error.name === 'TaskNotCancelableError' && error.envelopeCode === -32002);
    // A closed task has nothing left to stream.
    await assert.rejects(async () => {
      for await (const _ of client.resubscribeTask({ id: task.id })) { /* nothing */ }
    }, (error) => error.name === 'UnsupportedOperationError' && error.envelopeCode === -32004);
  });

  it('answers TaskNotFound for a task that does not exist', async () => {
    const requester = await register();
    const client = await a2aClient(requester.token);

    for (const id of [randomUUID(), 'not-a-task-id']) {
      await assert.rejects(client.getTask({ id }), (error) => error.name === 'TaskNotFoundError' && error.envelopeCode === -32001);
      await assert.rejects(client.cancelTask({ id }), (error) => error.name === 'TaskNotFoundError');
    }
  });

  it('refuses requests without a valid agent token', async () => {
    await assert.rejects((await a2aClient(undefined)).sendMessage({ message: textMessage('hello') }), /401/);
    await assert.rejects((await a2aClient('ac_nobody_x')).getTask({ id: randomUUID() }), /401/);
    const { status } = await rpc({ jsonrpc: '2.0', id: 1, method: 'GetTask', params: { id: randomUUID() } });
    assert.equal(status, 401);
  });

  it('answers malformed JSON-RPC with the JSON-RPC error codes, never a server error', async () => {
    const { token } = await register();
    const cases = [
      ['{not json', -32700],
      [[{ jsonrpc: '2.0', id: 1, method: 'GetTask' }], -32600],
      [{ id: 1, method: 'GetTask', params: {} }, -32600],
      [{ jsonrpc: '2.0', id: 1, method: 'message/send', params: {} }, -32601],
      [{ jsonrpc: '2.0', id: 1, method: 'SendMessage', params: 'hello' }, -32602],
      [{ jsonrpc: '2.0', id: 1, method: 'SendMessage', params: {} }, -32602],
      [{ jsonrpc: '2.0', id: 1, method: 'SendMessage', params: { message: { parts: 'x' } } }, -32602],
      [{ jsonrpc: '2.0', id: 1, method: 'SendMessage', params: { message: { parts: [{ data: {} }] } } }, -32602],
      [{ jsonrpc: '2.0', id: 1, method: 'SendMessage', params: { message: { parts: [{ text: 'x' }], metadata: { priority: 'high' } } } }, -32602],
      [{ jsonrpc: '2.0', id: 1, method: 'GetTask', params: {} }, -32602],
    ];
    const legacy = await fetch(new URL('/a2a', server.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'A2A-Version': '0.3' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'GetTask', params: { id: randomUUID() } }),
    });
    assert.deepEqual(await legacy.json().then((json) => [json.id, json.error.code]), [7, -32009], 'a 0.3 client is told the version');
    for (const [body, code] of cases) {
      const { status, json } = await rpc(body, token);
      assert.equal(status, 200, JSON.stringify(body));
      assert.equal(json.jsonrpc, '2.0');
      assert.equal(json.error?.code, code, `${JSON.stringify(body)} -> ${JSON.stringify(json)}`);
    }
  });
});
