import { programText } from './_programs';

// The program that writes a KafkaWorkflow broker's keystore and SASL/PLAIN JAAS settings, or a client's properties,
// from Secret files (the real file `programs/kafka-auth/write-config.sh`, POSIX sh for the Kafka image's shell).

/** The program's path under `programs/`. */
export const KAFKA_AUTH_PROGRAM = 'kafka-auth/write-config.sh';

/** The program text, run as `sh <file> broker|client ...` (see the file's header). */
export function kafkaAuthProgram(): string {
  return programText(KAFKA_AUTH_PROGRAM);
}
