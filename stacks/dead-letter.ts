import { DLQ_RETENTION_SECONDS } from "@dashboard/config";

/**
 * A dead-letter queue: what a consumer gave up on waits there as long as SQS keeps a message
 * (`DLQ_RETENTION_SECONDS`), encrypted, for an operator to inspect and redrive. `name` is its link name
 * (`Resource.<name>`); test/infra reads the stacks for `deadLetterQueue("<name>")` as for `new sst.aws.Queue`.
 */
export function deadLetterQueue(name: string): sst.aws.Queue {
  return new sst.aws.Queue(name, {
    transform: {
      queue: (args) => {
        args.messageRetentionSeconds = DLQ_RETENTION_SECONDS;
        args.sqsManagedSseEnabled = true;
      },
    },
  });
}

/**
 * An alarm as soon as one message waits in a dead-letter queue; `description` says what that means and what
 * to do; `actions` (SNS topics' ARNs) are notified when it fires and when it clears.
 */
export function deadLetterAlarm(
  name: string,
  queue: sst.aws.Queue,
  description: aws.cloudwatch.MetricAlarmArgs["alarmDescription"],
  actions?: aws.cloudwatch.MetricAlarmArgs["alarmActions"],
): aws.cloudwatch.MetricAlarm {
  return new aws.cloudwatch.MetricAlarm(name, {
    alarmDescription: description,
    namespace: "AWS/SQS",
    metricName: "ApproximateNumberOfMessagesVisible",
    dimensions: { QueueName: queue.nodes.queue.name },
    statistic: "Maximum",
    period: 60,
    evaluationPeriods: 1,
    threshold: 0,
    comparisonOperator: "GreaterThanThreshold",
    treatMissingData: "notBreaching",
    ...(actions ? { alarmActions: actions, okActions: actions } : {}),
  });
}
