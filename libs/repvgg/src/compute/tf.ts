/** The single import point for TensorFlow.js in the repository, so one engine instance is shared. */
export * as tf from '@tensorflow/tfjs';
