// Compile-only test of the package's generated declarations: realistic typed usage must compile, and every
// `// @ts-expect-error` line marks a wrong usage that the declarations must reject (if one is accepted, the
// directive is unused and the compile fails with TS2578). Nothing here is executed.
//
//   tsc -p tests/ts          (see tests/ts/run.mjs)

import { IterableClient, IterableError, actions } from "iterable-wasm";
import type {
  ActionId,
  ActionInputs,
  ActionResults,
  ApiIterableApiResponse,
  CallOptions,
  CatalogEntry,
  ClientOptions,
  TrackEventInput,
  TrackEventResult,
  ListAllCampaignsResult,
  ExportUserEventsResult,
  GetCampaignMetricsResult,
} from "iterable-wasm";

// ---------------------------------------------------------------- type-level helpers
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function assertType<T extends true>(): T | void {}

// ---------------------------------------------------------------- construction
const options: ClientOptions = { apiKey: "server-side-key", region: "eu", maxRetries: 3, timeoutMs: 10_000 };
const client = new IterableClient(options);
const local = new IterableClient({ apiKey: "k", baseUrl: "http://127.0.0.1:4010" });
const baseUrl: string = client.baseUrl;
const region: string = client.region;
const described: { region: string; baseUrl: string; maxRetries: number; timeoutMs: number } = client.toJSON();
void baseUrl, region, described, local;

// @ts-expect-error apiKey is required
new IterableClient({ region: "us" });
// The sandbox needs no key; its controls are typed.
const sandboxed = new IterableClient({ sandbox: { seed: 7, clock: "2026-01-01T00:00:00Z", faults: { rate: 0.1, statuses: [503] } } });
// With a sandbox option the controls are typed as present.
const dumped: Promise<Record<string, unknown>> = sandboxed.sandbox.dump();
const dumpedText: Promise<string> = sandboxed.sandbox.dumpText();
const plain = new IterableClient({ apiKey: "k" });
// @ts-expect-error without the sandbox option they may be absent
void plain.sandbox.dump();
const asClient: IterableClient = sandboxed;
void (plain instanceof IterableClient), asClient;
void dumped, dumpedText, new IterableClient({ sandbox: true, region: "eu" });
// @ts-expect-error the sandbox option is true or an options object
new IterableClient({ sandbox: "yes" });
// @ts-expect-error fetch is a fetch-like function
new IterableClient({ apiKey: "k", fetch: 5 });
new IterableClient({ apiKey: "k", fetch: (url: string, init: RequestInit) => fetch(url, init) });
// @ts-expect-error region is "us" | "eu"
new IterableClient({ apiKey: "k", region: "asia" });
// @ts-expect-error maxRetries is a number
new IterableClient({ apiKey: "k", maxRetries: "3" });

// ---------------------------------------------------------------- typed methods
export async function typedMethods(signal: AbortSignal): Promise<void> {
  const callOptions: CallOptions = { signal, timeoutMs: 5_000, maxRetries: 0 };

  // requireOneOf [["email", "userId"]]: either member (or both) satisfies the union
  const byEmail = await client.trackEvent({ eventName: "productViewed", email: "ada@example.com", dataFields: { sku: "A1" } });
  const byUserId = await client.trackEvent({ eventName: "productViewed", userId: "user-1", createdAt: 1_704_067_200 }, callOptions);
  await client.trackEvent({ eventName: "productViewed", email: "ada@example.com", userId: "user-1" });
  const code: ApiIterableApiResponse["code"] = byEmail.code;
  if (byUserId.code === "Success") console.log(byUserId.msg, byUserId.params?.["id"]);
  void code;

  // a pre-built input of the exported type, reused
  const input: TrackEventInput = { eventName: "signup", userId: "user-2" };
  const tracked: TrackEventResult = await client.trackEvent(input, { signal: AbortSignal.timeout(2_000) });
  void tracked;

  // path + body, number ids, array bodies
  await client.abortCampaign({ campaignId: 1001 });
  const list = await client.createNewList({ name: "Weekly Newsletter", description: "opted in" });
  const listId: number = list.listId;
  const sub = await client.subscribeToList({
    listId,
    subscribers: [{ email: "ada@example.com", dataFields: { plan: "gold" } }, { userId: "user-2" }],
    updateExistingUsersOnly: false,
  });
  const failCount: number = sub.failCount;
  void failCount;
  await client.deleteCatalogItems({ catalogName: "products", itemIds: ["sku-1", "sku-2"] });
  await client.updateCatalogItem({ catalogName: "products", itemId: "sku-1", update: { price: 24.99 } });

  // input-less actions take an optional input; paginated listing
  const campaigns: ListAllCampaignsResult = await client.listAllCampaigns({ page: 1, pageSize: 50, sort: "-createdAt" });
  for (const c of campaigns.campaigns) console.log(c.id, c.name);
  await client.listAllCampaigns();
  await client.listLists();

  // non-JSON results: csv/text/html -> string, jsonl -> records
  const csv: string = await client.exportDataToCsv({ dataTypeName: "emailSend", range: "Today" });
  const csv2: string = await client.exportDataToCsv({ dataTypeName: "user", startDateTime: "2024-01-01 00:00:00", endDateTime: "2024-02-01 00:00:00", onlyFields: ["email"] });
  const metrics: GetCampaignMetricsResult = await client.getCampaignMetrics({ campaignId: [1, 2] });
  const size: string = await client.getListSize({ listId: 101 });
  const html: string = await client.previewEmailTemplate({ templateId: 2001, dataFields: { firstName: "Ada" } });
  const events: ExportUserEventsResult = await client.exportUserEvents({ email: "ada@example.com" });
  const firstEvent: Record<string, unknown> | undefined = events[0];
  void csv, csv2, metrics, size, html, firstEvent;
  assertType<Equal<ExportUserEventsResult, Array<Record<string, unknown>>>>();
  assertType<Equal<Awaited<ReturnType<IterableClient["getListSize"]>>, string>>();

  // enum-typed params
  await client.createNewCampaign({ name: "Spring", listIds: [101], templateId: 2001, sendMode: "RecipientTimeZone" });
  // a triggered campaign: no listIds
  await client.createNewCampaign({ name: "Welcome", templateId: 2001 });
  // an enum in any letter case: the canonical values complete, other spellings type-check too
  await client.subscribeUserById({ subscriptionGroup: "emailList", subscriptionGroupId: 1, userId: "u1" });
  await client.subscribeUserById({ subscriptionGroup: "EMAILLIST", subscriptionGroupId: 1, userId: "u1" });
  // nested shapes: each field typed, required fields required
  await client.trackEmbeddedClick({ messageId: "m1", email: "ada@example.com", deviceInfo: { deviceId: "d1", platform: "iOS", appPackageName: "com.example" } });
  await client.upsertPushTemplate({ clientTemplateId: "t1", buttons: [{ identifier: "view", title: "View", openApp: true, buttonType: "default" }] });
  await client.trackEventsInBulk({ events: [{ eventName: "viewed", userId: "u1" }, { eventName: "viewed", email: "ada@example.com" }] });
  // identity pairs: both are accepted (Iterable resolves them), one is preferred
  await client.trackEvent({ eventName: "productViewed", email: "ada@example.com", userId: "u1" });

  // ------------------------------------------------ wrong usages the declarations must reject
  // @ts-expect-error wrong field type: eventName is a string
  await client.trackEvent({ eventName: 123, email: "ada@example.com" });
  // @ts-expect-error missing required field eventName
  await client.trackEvent({ email: "ada@example.com" });
  // @ts-expect-error neither email nor userId (requireOneOf [["email", "userId"]])
  await client.trackEvent({ eventName: "productViewed" });
  // @ts-expect-error neither email nor userId, even as a typed variable
  const noIdentity: TrackEventInput = { eventName: "productViewed", dataFields: {} };
  void noIdentity;
  // @ts-expect-error unknown field (excess property)
  await client.trackEvent({ eventName: "productViewed", email: "ada@example.com", eventname: "typo" });
  // @ts-expect-error wrong field type: campaignId is a number
  await client.abortCampaign({ campaignId: "1001" });
  // @ts-expect-error wrong field type: itemIds is an array of strings
  await client.deleteCatalogItems({ catalogName: "products", itemIds: "sku-1" });
  // @ts-expect-error wrong field type inside an array element (subscribers[].email)
  await client.subscribeToList({ listId: 1, subscribers: [{ email: 42 }] });
  // @ts-expect-error not a member of the enum
  await client.exportDataToCsv({ dataTypeName: "emailSends", range: "Today" });
  // @ts-expect-error requireOneOf [["range", "startDateTime"]] unsatisfied
  await client.exportDataToCsv({ dataTypeName: "emailSend" });
  // @ts-expect-error exclusive: range and startDateTime/endDateTime together
  await client.exportDataToCsv({ dataTypeName: "user", range: "All", startDateTime: "2024-01-01 00:00:00", endDateTime: "2024-02-01 00:00:00" });
  // @ts-expect-error together: startDateTime without endDateTime
  await client.exportDataToCsv({ dataTypeName: "user", startDateTime: "2024-01-01 00:00:00" });
  // @ts-expect-error exactly one: sourceEmail and sourceUserId both given (merge_users)
  await client.mergeUsers({ sourceEmail: "a@b.co", sourceUserId: "u1", destinationUserId: "u2" });
  // @ts-expect-error nested shape: deviceInfo.platform is not one of iOS, Android, Web
  await client.trackEmbeddedClick({ messageId: "m1", email: "ada@example.com", deviceInfo: { deviceId: "d1", platform: "ios", appPackageName: "com.example" } });
  // @ts-expect-error nested shape: a push button without its required openApp
  await client.upsertPushTemplate({ clientTemplateId: "t1", buttons: [{ identifier: "view", title: "View" }] });
  // @ts-expect-error nested groups: a bulk event without email or userId
  await client.trackEventsInBulk({ events: [{ eventName: "viewed" }] });
  // @ts-expect-error enum of array items: campaignState
  await client.listAllCampaigns({ campaignState: ["Running", "Bogus"] });
  // @ts-expect-error an action without params takes no fields (list_lists has none)
  await client.listLists({ page: 1 });
  // @ts-expect-error input is required when the action has required params
  await client.abortCampaign();
  // @ts-expect-error wrong option type: timeoutMs is a number
  await client.abortCampaign({ campaignId: 1 }, { timeoutMs: "5s" });
  // @ts-expect-error wrong option type: signal is an AbortSignal
  await client.abortCampaign({ campaignId: 1 }, { signal: new AbortController() });
  // @ts-expect-error unknown option
  await client.abortCampaign({ campaignId: 1 }, { retries: 2 });
  // @ts-expect-error the result of a csv action is a string, not an object
  const notObject: Record<string, unknown> = await client.exportDataToCsv({ dataTypeName: "emailSend", range: "All" });
  void notObject;
  // @ts-expect-error no such method
  await client.trackEvents({ eventName: "x", email: "a@b.co" });
}

// ---------------------------------------------------------------- results as Iterable sends them
// The `result` decisions of defs/actions.json (scripts/compare-results.mjs checks them against the
// official client's schemas) reach the declarations.
export async function resultDecisions(): Promise<void> {
  const page = await client.listAllTemplates({ page: 1 });
  assertType<Equal<(typeof page)["templates"][number]["createdAt"], number>>();
  const push = await client.getPushTemplateById({ templateId: 1 });
  assertType<Equal<typeof push.updatedAt, number | undefined>>();
  const deleted = await client.bulkDeleteTemplates({ ids: [1, 2] });
  assertType<Equal<typeof deleted, { success: Array<number>; failed: Array<number>; failureReason?: string }>>();
  const archived = await client.archiveCampaigns({ campaignIds: [3] });
  assertType<Equal<typeof archived, { success: Array<number>; failed: Array<number> }>>();
  const files = await client.listExportFiles({ jobId: 7 });
  const done: typeof files.jobState = "completed";
  // @ts-expect-error export job states are lower case
  const capitalized: typeof files.jobState = "Completed";
  const events = await client.getUserEvents({ userId: "u1" });
  const when: string | number | undefined = events.events[0]?.createdAt;
  const other: unknown = events.events[0]?.["anyOtherField"];
  void done, capitalized, when, other;
}

// ---------------------------------------------------------------- execute by id
export async function executeById(): Promise<void> {
  // typed by the id: input checked against ActionInputs[K], result is ActionResults[K]
  const r = await client.execute("track_event", { eventName: "productViewed", email: "ada@example.com" });
  assertType<Equal<typeof r, ApiIterableApiResponse>>();
  const code: string = r.code;
  void code;

  const list = await client.execute("create_new_list", { name: "VIP" });
  const listId: number = list.listId;
  void listId;

  const csv = await client.execute("export_data_to_csv", { dataTypeName: "emailOpen", range: "Yesterday" }, { timeoutMs: 60_000 });
  assertType<Equal<typeof csv, string>>();

  // a generic helper over every action
  async function run<K extends ActionId>(id: K, input: ActionInputs[K]): Promise<ActionResults[K]> {
    return client.execute(id, input, { maxRetries: 1 });
  }
  const metrics = await run("get_campaign_metrics", { campaignId: [1001] });
  assertType<Equal<typeof metrics, string>>();

  // untyped form for agents: any string id with a plain object input, result unknown
  const dynamicId: string = JSON.parse('"list_lists"');
  const anything: unknown = await client.execute(dynamicId, { page: 1 });
  void anything;

  // ------------------------------------------------ wrong usages the declarations must reject
  // @ts-expect-error unknown action id (a literal that is not an ActionId)
  await client.execute("no_such_action", {});
  // @ts-expect-error wrong field type through execute: eventName is a string
  await client.execute("track_event", { eventName: 123, email: "ada@example.com" });
  // @ts-expect-error missing required field through execute
  await client.execute("abort_campaign", {});
  // @ts-expect-error neither email nor userId through execute
  await client.execute("track_event", { eventName: "productViewed" });
  // @ts-expect-error typed result: execute("export_data_to_csv") gives a string
  const wrongResult: number = await client.execute("export_data_to_csv", { dataTypeName: "emailOpen", range: "All" });
  void wrongResult;
  // @ts-expect-error wrong option type through execute
  await client.execute("abort_campaign", { campaignId: 1 }, { maxRetries: "2" });
  // @ts-expect-error the generic helper checks its input too
  await run("abort_campaign", { campaignId: "1" });
}

// ---------------------------------------------------------------- catalog iteration
export function catalog(): Map<ActionId, CatalogEntry> {
  const byId = new Map<ActionId, CatalogEntry>();
  for (const entry of actions) {
    byId.set(entry.id, entry);
    const method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE" = entry.method;
    const schema: Record<string, unknown> = entry.inputSchema;
    const groups: string[][] = entry.requireOneOf;
    const flags: boolean[] = [entry.irreversible, entry.idempotent, entry.async];
    const limit: string | null = entry.rateLimit;
    const emptyAt: number[] = entry.emptySuccess;
    const eventId: string | null = entry.eventId;
    void emptyAt, eventId;
    if (entry.pagination) {
      const style: "page" | "startAfter" | "nextMarker" | "limit" = entry.pagination.style;
      const items: string | null = entry.pagination.items;
      void style, items;
    }
    switch (entry.response) {
      case "json":
      case "csv":
      case "jsonl":
      case "text":
      case "html":
        break;
      default: {
        const never: never = entry.response;
        void never;
      }
    }
    // a catalog entry's methodName indexes the client (as a string; the typed form is by id)
    const fn: unknown = (client as unknown as Record<string, unknown>)[entry.methodName];
    void method, schema, groups, flags, limit, fn;
  }
  // @ts-expect-error the catalog is read-only
  actions.push(actions[0]!);
  // @ts-expect-error catalog ids are ActionIds, not arbitrary strings
  const badId: CatalogEntry["id"] = "no_such_action";
  void badId;
  return byId;
}

// ---------------------------------------------------------------- errors
export async function errors(): Promise<void> {
  try {
    await client.forgetUser({ email: "ada@example.com" });
  } catch (err: unknown) {
    if (err instanceof IterableError) {
      const code: string = err.code;
      const status: number | undefined = err.status;
      const retryable: boolean = err.retryable;
      const action: string | undefined = err.action;
      const attempts: number = err.attempts;
      const message: string = err.message;
      const name: "IterableError" = err.name;
      const params: unknown = err.params;
      const body: string | undefined = err.body;
      for (const issue of err.issues ?? []) console.log(`${issue.param}: ${issue.message}`);
      const json: Record<string, unknown> = err.toJSON();
      const asError: Error = err;
      if (err.code === "RateLimitExceeded" && err.retryable) console.log("back off");
      void code, status, retryable, action, attempts, message, name, params, body, json, asError;
      // @ts-expect-error status may be undefined (no response)
      const mustBeNumber: number = err.status;
      // @ts-expect-error issues may be absent
      const first = err.issues[0];
      void mustBeNumber, first;
    } else {
      // @ts-expect-error not narrowed: unknown has no code
      console.log(err.code);
      throw err;
    }
  }

  // cancellation
  const controller = new AbortController();
  const pending = client.listAllCampaigns({ page: 1 }, { signal: controller.signal });
  controller.abort();
  await pending.catch((e: unknown) => {
    if (e instanceof IterableError && e.code === "Aborted") return null;
    throw e;
  });
}

// ---------------------------------------------------------------- disposal (wasm-bindgen frees the Rust side)
export function disposal(): void {
  {
    using scoped = new IterableClient({ apiKey: "k" });
    void scoped.baseUrl;
  }
  const c = new IterableClient({ apiKey: "k" });
  c.free();
}

// ---------------------------------------------------------------- large work (pagination, streams, exports, bulk)
export async function largeWork(): Promise<void> {
  for await (const campaign of client.paginate("list_all_campaigns", { pageSize: 100 })) {
    const id: number = campaign.id; // items are typed from the result's `campaigns` field
    void id;
  }
  for await (const page of client.paginate("list_metadata_keys", { table: "t" }).pages()) {
    void page.results;
  }
  // @ts-expect-error not a paginated action
  client.paginate("track_event", { eventName: "x", email: "a@b.co" });
  for await (const record of client.stream("export_user_events", { email: "a@b.co" })) void record;
  const raw: ReadableStream<Uint8Array> = await client.stream("export_data_to_csv", { dataTypeName: "user", range: "All" }).body();
  void raw;
  // @ts-expect-error a JSON action has no record stream
  client.stream("list_channels", {});
  for await (const row of client.exportRecords({ dataTypeName: "user", outputFormat: "text/csv" }, { onProgress: (p) => void p.files })) void row;
  const report = await client.bulk("bulk_update_users", [{ email: "a@b.co" }], { input: { createNewFields: true }, concurrency: 2 });
  const failed: number = report.failed;
  const reasons: string[] = report.failures.map((f) => `${f.index}: ${f.reason}`);
  void failed, reasons;
  // @ts-expect-error not a bulk action
  await client.bulk("track_event", []);
  // @ts-expect-error concurrency is a number
  await client.bulk("track_events_in_bulk", [], { concurrency: "4" });
  // eventIds: "auto": ids listed by the report; a later run resumes from it.
  const tracking = new IterableClient({ apiKey: "k", eventIds: "auto", maxResponseBytes: 8 * 1024 * 1024 });
  const events = [{ email: "a@b.co", eventName: "x" }];
  const first = await tracking.bulk("track_events_in_bulk", events);
  const ids: Array<string | null> | undefined = first.eventIds;
  const skipped: number = (await tracking.bulk("track_events_in_bulk", events, { resume: first })).skipped;
  void ids, skipped;
  // @ts-expect-error eventIds takes "auto" only
  new IterableClient({ apiKey: "k", eventIds: "always" });
  // @ts-expect-error maxResponseBytes is a number
  new IterableClient({ apiKey: "k", maxResponseBytes: "64MB" });
}

// A few of the 29 operations beyond the seed list (issue 7): typed like the others.
export async function extraActions(): Promise<void> {
  const user = await client.getUserByEmail({ email: "a@b.co" });
  const fields: Record<string, unknown> | undefined = user.user?.dataFields;
  void fields;
  await client.execute("get_user_by_email_path", { email: "a@b.co" });
  await client.invalidateJwts({ userId: "u1", issuedBefore: 1_700_000_000_000 });
  // @ts-expect-error invalidate_jwts needs email or userId
  await client.invalidateJwts({ issuedBefore: 1 });
  await client.sendEmailToTarget({ campaignId: 12, recipientEmail: "a@b.co", dataFields: { coupon: "X1" } });
  // @ts-expect-error campaignId is a number
  await client.sendEmailToTarget({ campaignId: "12", recipientEmail: "a@b.co" });
  await client.registerDeviceToken({ email: "a@b.co", device: { token: "t", platform: "APNS", applicationName: "app" } });
  await client.trackInappOpen({ email: "a@b.co", messageId: "m1" });
  // @ts-expect-error messageId is required
  await client.trackInappOpen({ email: "a@b.co" });
  await client.execute("begin_sms_verification", { phoneNumber: "+15555550100", verificationProfileId: 3 });
  // @ts-expect-error verificationProfileId is required
  await client.execute("begin_sms_verification", { phoneNumber: "+15555550100" });
}
