// The few ACLK protobuf messages the emulator reads and writes after CONNECT, written here from the facts
// (netdata-facts.md §5.5: message names, field numbers and types; checked against the public aclk-schemas field
// numbers). Not Netdata's .proto files: only the fields the emulator uses; protobuf skips the others.
// protobufjs is loaded once, when the emulator starts (loadAclkMessages), so the MQTT handlers stay synchronous.

import type {Type} from 'protobufjs'

const SCHEMA = `
syntax = "proto3";
package emulator;

// agent.v1.UpdateAgentConnection, on agent-connection (and the Last Will)
message UpdateAgentConnection {
  string claim_id = 1;
  bool reachable = 2;
  int64 session_id = 3;
  int32 update_source = 4;
}

message SendNodeInstancesConfig {
  bool bearer_protection = 1;
}

// agent.v1.SendNodeInstances, Cloud → agent after CONNECT: "tell me your nodes"
message SendNodeInstances {
  string claim_id = 1;
  SendNodeInstancesConfig config = 2;
}

// nodeinstance.create.v1.CreateNodeInstance, on create-node-instance
message CreateNodeInstance {
  string claim_id = 1;
  string machine_guid = 2;
  string hostname = 3;
}

// nodeinstance.create.v1.CreateNodeInstanceResult, Cloud → agent: the node id
message CreateNodeInstanceResult {
  string node_id = 1;
  string machine_guid = 2;
}

// nodeinstance.v1.UpdateNodeInstanceConnection, on node-instance-connection
message UpdateNodeInstanceConnection {
  string claim_id = 1;
  string node_id = 2;
  bool liveness = 3;
  bool queryable = 4;
  int64 session_id = 5;
  int32 hops = 9;
}
`

export interface AgentConnection {
  claimId: string
  reachable: boolean
  sessionId: string
  /** 1 = the agent, 2 = the Last Will */
  updateSource: number
}

export interface NodeInstanceRequest {
  claimId: string
  machineGuid: string
  hostname: string
}

export interface NodeInstanceConnection {
  claimId: string
  nodeId: string
  liveness: boolean
  queryable: boolean
  hops: number
}

export interface AclkMessages {
  decodeAgentConnection(payload: Buffer): AgentConnection
  decodeCreateNodeInstance(payload: Buffer): NodeInstanceRequest
  decodeNodeInstanceConnection(payload: Buffer): NodeInstanceConnection
  encodeSendNodeInstances(claimId: string): Buffer
  encodeCreateNodeInstanceResult(nodeId: string, machineGuid: string): Buffer
}

let loaded: Promise<AclkMessages> | undefined

function plain(type: Type, payload: Buffer): Record<string, unknown> {
  return type.toObject(type.decode(payload), {defaults: true, longs: String}) as Record<string, unknown>
}

export function loadAclkMessages(): Promise<AclkMessages> {
  loaded ??= import('protobufjs').then(mod => {
    const protobuf = (mod as unknown as {default?: typeof mod}).default ?? mod
    const {root} = protobuf.parse(SCHEMA, {keepCase: true})
    const t = (name: string) => root.lookupType(`emulator.${name}`)
    const agentConnection = t('UpdateAgentConnection')
    const create = t('CreateNodeInstance')
    const created = t('CreateNodeInstanceResult')
    const send = t('SendNodeInstances')
    const connection = t('UpdateNodeInstanceConnection')
    return {
      decodeAgentConnection(payload) {
        const o = plain(agentConnection, payload)
        return {
          claimId: String(o.claim_id),
          reachable: Boolean(o.reachable),
          sessionId: String(o.session_id),
          updateSource: Number(o.update_source),
        }
      },
      decodeCreateNodeInstance(payload) {
        const o = plain(create, payload)
        return {claimId: String(o.claim_id), hostname: String(o.hostname), machineGuid: String(o.machine_guid)}
      },
      decodeNodeInstanceConnection(payload) {
        const o = plain(connection, payload)
        return {
          claimId: String(o.claim_id),
          hops: Number(o.hops),
          liveness: Boolean(o.liveness),
          nodeId: String(o.node_id),
          queryable: Boolean(o.queryable),
        }
      },
      encodeCreateNodeInstanceResult: (nodeId, machineGuid) =>
        Buffer.from(created.encode(created.fromObject({machine_guid: machineGuid, node_id: nodeId})).finish()),
      encodeSendNodeInstances: claimId =>
        Buffer.from(send.encode(send.fromObject({claim_id: claimId, config: {bearer_protection: false}})).finish()),
    }
  })
  return loaded
}
