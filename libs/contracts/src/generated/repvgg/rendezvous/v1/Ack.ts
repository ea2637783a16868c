// Original file: proto/rendezvous.proto

export interface Ack {}

export interface Ack__Output {}
