import { HttpClient } from "./core.js";
import type { ClientOptions } from "./core.js";
import type { RunEvent } from "./models.js";
import { Agents } from "./resources/agents.js";
import { Datasets } from "./resources/datasets.js";
import { Evals } from "./resources/evals.js";
import { KnowledgeBases } from "./resources/knowledge-bases.js";
import { Runs } from "./resources/runs.js";
import { Secrets } from "./resources/secrets.js";
import { Tools } from "./resources/tools.js";
import { Traces } from "./resources/traces.js";
import { Workflows } from "./resources/workflows.js";
import { streamRunEvents } from "./streaming.js";
import type { StreamOptions } from "./streaming.js";

/**
 * The Agent Platform API.
 *
 *     const client = new AgentPlatform(); // AGENT_PLATFORM_BASE_URL, AGENT_PLATFORM_API_KEY
 *     const run = await client.runs.createAndWait({ agent: "helper", input: { message: "hi" } });
 */
export class AgentPlatform {
  readonly agents: Agents;
  readonly workflows: Workflows;
  readonly runs: Runs;
  readonly tools: Tools;
  readonly knowledgeBases: KnowledgeBases;
  readonly datasets: Datasets;
  readonly evals: Evals;
  readonly traces: Traces;
  readonly secrets: Secrets;
  /** The transport (base URL, retry policy); for requests the resources do not cover. */
  readonly http: HttpClient;

  constructor(options: ClientOptions = {}) {
    this.http = new HttpClient(options);
    this.agents = new Agents(this.http);
    this.workflows = new Workflows(this.http);
    this.runs = new Runs(this.http);
    this.tools = new Tools(this.http);
    this.knowledgeBases = new KnowledgeBases(this.http);
    this.datasets = new Datasets(this.http);
    this.evals = new Evals(this.http);
    this.traces = new Traces(this.http);
    this.secrets = new Secrets(this.http);
  }

  /** A run's events as an async iterator that reconnects with `Last-Event-ID` after any drop
   * and yields each event exactly once, in order, ending with the terminal event. */
  streamRun(runId: string, options?: StreamOptions): AsyncGenerator<RunEvent, void, undefined> {
    return streamRunEvents(this.http, runId, options);
  }
}
