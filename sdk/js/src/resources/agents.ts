import type * as m from "../models.js";
import { Definitions } from "./definitions.js";
import type { HttpClient } from "../core.js";

/** `/agents`: agents, their versions (model, instructions, tools…) and environments. */
export class Agents extends Definitions<m.Agent, m.AgentCreateParams, m.AgentUpdateParams, m.AgentVersion,
  m.AgentVersionCreateParams, m.Promotion, m.PromoteParams> {
  constructor(http: HttpClient) {
    super(http, "/agents");
  }
}
