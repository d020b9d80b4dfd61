import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { GraphQLError, Kind, parse, type OperationDefinitionNode, type ValidationContext } from 'graphql';
import { createYoga } from 'graphql-yoga';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operationCost, priceFields } from '../../src/server/operation-cost.js';
import { QR_IMAGE_COST } from '../../src/extensions/qr.js';
import { schema } from '../../src/resolvers/schema.js';
import { ok, startTestServer, type TestServer } from '../support/server.js';

/** The QR images one request may ask for (ExtensionQrCode.pngDataUrl). */
const CAP = 50;
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

// A page of 100 fits the document's cost (about 2,550 per image row, so at most 117 rows): what stops the
// images past the 50th is the cap counted while the request runs.
const QR_PAGE = `query($n: Int!) { extensions(first: $n) { edges { node { number qrCode { payload pngDataUrl } } } } }`;
const QR_PAYLOADS = `query($n: Int!) { extensions(first: $n) { edges { node { number qrCode { payload } } } } }`;

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const created = ok(
    await server.gql(
      `mutation { createExtensions(input: { startNumber: "300", count: 200 }) { __typename ... on MutationCreateExtensionsSuccess { data { count } } ... on Error { message } } }`,
      {},
      server.adminToken,
    ),
    'createExtensions',
  );
  expect(created.count).toBe(200);
  // The configuration apply that follows the batch renders on this thread: let it finish before measuring the loop.
  const applier = server.running.services.applier;
  for (let waited = 0; applier.state.appliedRevision !== applier.state.revision && waited < 20_000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
  expect(applier.state.appliedRevision).toBe(applier.state.revision);
});
afterAll(() => server.stop());

type Node = { number: string; qrCode: { payload: string; pngDataUrl: string | null } };
const nodes = (result: any): Node[] => result.data.extensions.edges.map((e: { node: Node }) => e.node);

function expectPng(dataUrl: string | null) {
  expect(dataUrl).toMatch(/^data:image\/png;base64,[A-Za-z0-9+/]+=*$/);
  const png = Buffer.from(dataUrl!.slice('data:image/png;base64,'.length), 'base64');
  expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
  expect(png.subarray(12, 16).toString('latin1')).toBe('IHDR');
  expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([256, 256]);
}

describe('QR images per request', () => {
  it(`renders ${CAP} and refuses the rest with LIMIT_EXCEEDED on the field, the rest of the response intact`, async () => {
    const result = await server.gql(QR_PAGE, { n: 100 }, server.adminToken);
    const page = nodes(result);
    expect(page).toHaveLength(100);
    // Everything but the images over the cap is there: numbers and the (cheap) payloads of all 100.
    for (const node of page) expect(JSON.parse(node.qrCode.payload).extension).toBe(node.number);
    const rendered = page.filter((n) => n.qrCode.pngDataUrl !== null);
    expect(rendered).toHaveLength(CAP);
    for (const node of rendered) expectPng(node.qrCode.pngDataUrl);
    expect(result.errors).toHaveLength(100 - CAP);
    for (const error of result.errors!) {
      expect(error.extensions?.code).toBe('LIMIT_EXCEEDED');
      expect(error.message).toContain(`at most ${CAP} QR images`);
      expect(error.path?.slice(-3)).toEqual(['node', 'qrCode', 'pngDataUrl']);
      expect(page[error.path![2] as number]!.qrCode.pngDataUrl).toBeNull();
    }
  });

  it('counts the images of one request, whatever their aliases and connections', async () => {
    const result = await server.gql(
      `{ a: extensions(first: 30) { edges { node { qrCode { pngDataUrl } } } } b: extensions(first: 30, after: null) { edges { node { qrCode { png: pngDataUrl } } } } }`,
      {},
      server.adminToken,
    );
    const a = result.data.a.edges.map((e: any) => e.node.qrCode.pngDataUrl);
    const b = result.data.b.edges.map((e: any) => e.node.qrCode.png);
    expect([...a, ...b].filter((url) => url !== null)).toHaveLength(CAP);
    expect(result.errors?.map((e) => e.extensions?.code)).toEqual(Array(60 - CAP).fill('LIMIT_EXCEEDED'));
  });

  it(`renders up to ${CAP} as valid PNG data URLs, and the next request has its own ${CAP}`, async () => {
    for (let round = 0; round < 2; round++) {
      const result = await server.gql(QR_PAGE, { n: CAP }, server.adminToken);
      expect(result.errors).toBeUndefined();
      const page = nodes(result);
      expect(page).toHaveLength(CAP);
      for (const node of page) expectPng(node.qrCode.pngDataUrl);
      // One image per extension: each encodes its own payload.
      expect(new Set(page.map((n) => n.qrCode.pngDataUrl)).size).toBe(CAP);
    }
  });

  it('keeps the payload cheap: a page of 200 payloads without images has no error', async () => {
    const result = await server.gql(`{ extensions(first: 200) { edges { node { qrCode { payload } } } } }`, {}, server.adminToken);
    expect(result.errors).toBeUndefined();
    expect(result.data.extensions.edges).toHaveLength(200);
  });
});

describe('rendering does not block the event loop', () => {
  it(`/healthz answers quickly while requests for ${CAP} QR images each run`, async () => {
    // The first requests of a shape warm the server up (Prisma compiles their queries on this thread, and the first
    // image starts a rendering thread): that is not what is measured.
    expect((await server.gql(QR_PAYLOADS, { n: CAP }, server.adminToken)).errors).toBeUndefined();
    expect((await server.gql(QR_PAGE, { n: 1 }, server.adminToken)).errors).toBeUndefined();
    const latencies: number[] = [];
    let running = true;
    const poll = (async () => {
      while (running) {
        const started = performance.now();
        const response = await fetch(`${server.url}/healthz`);
        await response.text();
        latencies.push(performance.now() - started);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    // A few callers at once, each within the cap.
    const results = await Promise.all(Array.from({ length: 3 }, () => server.gql(QR_PAGE, { n: CAP }, server.adminToken)));
    running = false;
    await poll;
    for (const result of results) {
      expect(result.errors).toBeUndefined();
      expect(nodes(result).every((n) => n.qrCode.pngDataUrl?.startsWith('data:image/png;base64,'))).toBe(true);
    }
    // Not a deadline of the feature: a blocked loop leaves /healthz unanswered for the whole rendering (seconds).
    expect(Math.max(...latencies)).toBeLessThan(500);
    expect(latencies.length).toBeGreaterThan(3);
  });
});

describe("the cost of QR images in a document (priceFields with armor's costLimit)", () => {
  const maxCost = 300000;
  const accepted: { document: string; n: number }[] = [];
  let current = '';
  // As src/server/plugins.ts would wire it: armor's refusal handler, given to priceFields as well.
  const onReject = [
    (context: ValidationContext | null, error: GraphQLError) =>
      context?.reportError(new GraphQLError(`cost ${/found (\d+(?:\.\d+)?)/.exec(error.message)?.[1]}`, { extensions: { code: 'COST_LIMIT' } })),
  ];
  const yoga = createYoga({
    schema,
    plugins: [
      EnvelopArmorPlugin({
        maxAliases: { enabled: false },
        maxDepth: { enabled: false },
        maxTokens: { enabled: false },
        maxDirectives: { enabled: false },
        costLimit: { maxCost, propagateOnRejection: false, onReject, onAccept: [(_c, { n }) => void accepted.push({ document: current, n }), priceFields({ maxCost, onReject })] },
      }),
    ],
  });
  const validate = (document: string) => {
    current = document;
    const enveloped = yoga.getEnveloped({});
    return (enveloped.validate(enveloped.schema, enveloped.parse(document)) as readonly GraphQLError[]).map((e) => [e.extensions.code, e.message]);
  };
  const page = (first: number, leaf: string) => `{ extensions(first: ${first}) { edges { node { qrCode { ${leaf} } } } } }`;
  // extensions → edges → node → qrCode → the leaf: ×1.5 a level, objects 2, × first.
  const pageCost = (first: number, leaf: number) => (2 + 1.5 * (2 + 1.5 * (2 + 1.5 * (2 + 1.5 * leaf)))) * first;

  it('refuses a literal page of thousands of QR images, with its cost', () => {
    expect(validate(page(5000, 'pngDataUrl'))).toEqual([['COST_LIMIT', `cost ${pageCost(5000, QR_IMAGE_COST)}`]]);
    // Refused by armor already: one refusal, armor's.
    expect(validate(page(100000, 'pngDataUrl'))).toEqual([['COST_LIMIT', `cost ${pageCost(100000, 1)}`]]);
    expect(validate(`fragment Q on ExtensionQrCode { image: pngDataUrl } ${page(500, '...Q')}`)[0]?.[0]).toBe('COST_LIMIT');
    expect(
      validate(
        `{ node(id: "x") { ... on Extension { departments { members { qrCode { pngDataUrl } } } } } extensions(first: 400) { edges { node { ... on Extension { qrCode { pngDataUrl } } } } } }`,
      )[0]?.[0],
    ).toBe('COST_LIMIT');
  });

  it(`lets through a page of up to ${CAP} images, and any page of payloads`, () => {
    expect(pageCost(CAP, QR_IMAGE_COST)).toBeLessThan(maxCost);
    expect(validate(page(CAP, 'pngDataUrl'))).toEqual([]);
    expect(validate(page(5000, 'payload server port'))).toEqual([]);
    // A variable page size is not counted (armor counts literal sizes only): the cap per request holds there.
    expect(validate(`query($n: Int) { extensions(first: $n) { edges { node { qrCode { pngDataUrl } } } } }`)).toEqual([]);
  });

  it('counts every other document exactly as armor does', () => {
    const documents = [
      page(5000, 'payload'),
      `{ extensions(first: 40) { totalCount edges { cursor node { number departments { name members { number } } dialPermission { name } } } } me { username } }`,
      `fragment E on Extension { number qrCode { server } } fragment D on Department { name members { ...E } } { departments(first: 7) { edges { node { ...D } } } a: extensions(last: 3) { edges { node { ...E ... on Extension { name } } } } }`,
      `query A { me { username } } query B { extensions(first: 9) { edges { node { number } } } }`,
    ];
    for (const document of documents) {
      accepted.length = 0;
      expect(validate(document)).toEqual([]);
      const operations = parse(document).definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
      const fragments = new Map(parse(document).definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [])));
      // Without priced fields, and with every list counted as one object, as armor counts it.
      const costs = operations.map((operation) => operationCost({ getSchema: () => schema, getFragment: (name) => fragments.get(name) }, operation, { listSizes: {}, defaultListSize: 1 }));
      expect(
        accepted.map((a) => a.n),
        document,
      ).toEqual(costs.map((c) => c.plain));
      expect(costs.map((c) => c.priced)).toEqual(costs.map((c) => c.plain));
    }
  });
});
