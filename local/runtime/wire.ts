/**
 * History events in the Durable extension's wire format: the JSON the extension hands the
 * orchestrator binding of an out-of-process (Node) worker. The durable-functions replay executor
 * reads exactly these fields, so the local runtime writes them the same way.
 */

/** The extension's HistoryEventType numbers (DurableTask.Core). */
export const EventType = {
  ExecutionStarted: 0,
  ExecutionCompleted: 1,
  ExecutionFailed: 2,
  ExecutionTerminated: 3,
  TaskScheduled: 4,
  TaskCompleted: 5,
  TaskFailed: 6,
  SubOrchestrationInstanceCreated: 7,
  SubOrchestrationInstanceCompleted: 8,
  SubOrchestrationInstanceFailed: 9,
  TimerCreated: 10,
  TimerFired: 11,
  OrchestratorStarted: 12,
  OrchestratorCompleted: 13,
  EventSent: 14,
  EventRaised: 15,
  ContinueAsNew: 16,
} as const;
export type EventTypeNumber = (typeof EventType)[keyof typeof EventType];

export interface FailureDetails {
  ErrorType: string;
  ErrorMessage: string;
  StackTrace?: string;
  IsNonRetriable?: boolean;
}

/**
 * What the local runtime notes on a scheduled event that the orchestrator did not ask for by an
 * action of its own: retry timers and retry attempts of `callActivityWithRetry`, and the parts of
 * a timer longer than the maximum short timer. The determinism check compares the orchestrator's
 * actions with the other scheduled events. The replay executor ignores unknown fields.
 */
export interface LocalAnnotation {
  kind: 'retry-timer' | 'retry-attempt' | 'timer-part' | 'long-timer';
  /** For a long timer: when the whole timer fires. */
  fireAt?: string;
}

/**
 * One history event. Timestamps are Date objects in memory (the executor turns strings into Dates
 * in place; handing it Dates keeps stored events untouched) and ISO strings when stored.
 */
export interface WireEvent {
  EventType: EventTypeNumber;
  EventId: number;
  IsPlayed: boolean;
  Timestamp: Date;
  Name?: string;
  Input?: string;
  Result?: string;
  Reason?: string;
  Details?: string;
  FailureDetails?: FailureDetails;
  TaskScheduledId?: number;
  TimerId?: number;
  FireAt?: string;
  InstanceId?: string;
  OrchestrationInstance?: { InstanceId: string; ExecutionId: string };
  ParentInstance?: {
    Name: string;
    TaskScheduleId: number;
    OrchestrationInstance: { InstanceId: string };
  };
  Lifeboat?: LocalAnnotation;
}

/** The stored (JSON) form of an event: the timestamp as an ISO string. */
export type StoredEvent = Omit<WireEvent, 'Timestamp'> & { Timestamp: string };

export function toStored(event: WireEvent): StoredEvent {
  return { ...event, Timestamp: event.Timestamp.toISOString() };
}

export function fromStored(event: StoredEvent): WireEvent {
  if (typeof event !== 'object' || event === null || typeof event.EventType !== 'number')
    throw new Error(`stored history event is malformed: ${JSON.stringify(event).slice(0, 200)}`);
  return { ...event, Timestamp: new Date(event.Timestamp) };
}

export function event(
  type: EventTypeNumber,
  at: number,
  fields: Partial<WireEvent> = {},
): WireEvent {
  return { EventType: type, EventId: -1, IsPlayed: false, Timestamp: new Date(at), ...fields };
}

/** Ids of the task a completion event answers (TaskScheduledId or TimerId), if any. */
export function completedTaskId(e: WireEvent): number | undefined {
  switch (e.EventType) {
    case EventType.TaskCompleted:
    case EventType.TaskFailed:
    case EventType.SubOrchestrationInstanceCompleted:
    case EventType.SubOrchestrationInstanceFailed:
      return e.TaskScheduledId;
    case EventType.TimerFired:
      return e.TimerId;
    default:
      return undefined;
  }
}

export function isScheduling(e: WireEvent): boolean {
  return (
    e.EventType === EventType.TaskScheduled ||
    e.EventType === EventType.TimerCreated ||
    e.EventType === EventType.SubOrchestrationInstanceCreated
  );
}

/** JSON text for a value crossing the Azure boundary; undefined travels as null, like Azure. */
export function serialize(value: unknown, what: string): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw new Error(`${what} cannot be serialized to JSON: ${(error as Error).message}`);
  }
  return text ?? 'null';
}

export function deserialize(text: string | undefined): unknown {
  return text === undefined ? undefined : JSON.parse(text);
}
