/** Every BullMQ queue of the system. */
export enum QueueName {
  Epoch = 'epoch',
  Shard = 'shard',
}

/** Every BullMQ job name, one per payload kind. */
export enum QueueJobName {
  Epoch = 'epoch',
  Shard = 'shard',
}
