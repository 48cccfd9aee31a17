import type * as m from "../models.js";
import { Definitions } from "./definitions.js";
import type { HttpClient } from "../core.js";

/** `/workflows`: workflow definitions, their versions (the graph) and environments. */
export class Workflows extends Definitions<m.Workflow, m.WorkflowCreateParams, m.WorkflowUpdateParams, m.WorkflowVersion,
  m.WorkflowVersionCreateParams, m.WorkflowPromotion, m.WorkflowPromoteParams> {
  constructor(http: HttpClient) {
    super(http, "/workflows");
  }
}
