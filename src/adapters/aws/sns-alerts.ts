import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { AlertPublisher } from '../../ports/alerts';

/** Publishes alerts to the SNS alert topic (the SDK's standard retry covers throttling). */
export class SnsAlertPublisher implements AlertPublisher {
  private readonly client: SNSClient;
  constructor(
    private readonly topicArn: string,
    client?: SNSClient,
  ) {
    this.client = client ?? new SNSClient({});
  }

  async publish(alert: { subject: string; message: string }): Promise<void> {
    // SNS subjects: at most 100 printable ASCII characters, no line breaks.
    const subject = alert.subject.replace(/[^\x20-\x7e]/g, ' ').slice(0, 100);
    await this.client.send(
      new PublishCommand({ TopicArn: this.topicArn, Subject: subject, Message: alert.message }),
    );
  }
}
