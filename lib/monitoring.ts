/**
 * Monitoring of the Domains API: one SNS topic every alarm notifies, the alarms an operator has to
 * act on, and a dashboard with the API, the application's own metrics, the queues and the
 * functions. docs/deploy.md says what each alarm means and what to do about it; the thresholds
 * below are exported so that the tests and that guide quote the same numbers.
 */
import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { CELL_METRIC, METRIC } from '../src/deployment.js';
import { DOMAIN_STATUSES } from '../src/domain/domain.js';
import { DISABLED_FAILING, DISABLED_GONE } from '../src/domain/webhook-delivery.js';
import type { FunctionName } from '../src/routes.js';
import type { ApiFunction } from './api-function.js';

/** Every alarm, by the construct id that also ends its name (`<stack name>-<id>`). */
export const ALARM = {
  deadLetters: 'VerifyDeadLetterQueueNotEmpty',
  verifierErrors: 'VerifierErrors',
  api5xxRate: 'Api5xxRate',
  lambdaThrottles: 'LambdaThrottles',
  sesThrottling: 'SesThrottlingSustained',
  schedulerFailing: 'SchedulerFailing',
  deliveryDeadLetters: 'DeliveryDeadLetterQueueNotEmpty',
  fanoutDeadLetters: 'FanoutDeadLetterQueueNotEmpty',
  deliverErrors: 'WebhookDeliverErrors',
  fanoutErrors: 'WebhookFanoutErrors',
  webhookDisabled: 'WebhookEndpointDisabled',
} as const;

/** The fill alarm of each counted SES cell that takes new domains: `CellFilling-<cell id>`. */
export const cellFillingAlarm = (cellId: string) => `CellFilling-${cellId}`;

/** Alarm when a cell holds this percentage of SES_IDENTITY_QUOTA: time to add a cell, well before creates fail. */
export const CELL_FILL_ALARM_PERCENT = 80;

/** Alarm when more than this percentage of the API's requests in 5 minutes answered 5xx... */
export const API_5XX_RATE_PERCENT = 1;
/** ...and at least this many requests came in: two failures among five requests are not a rate. */
export const API_5XX_MIN_REQUESTS = 50;
/** Verification checks that failed on SES throttling (after the SDK's retries) within 15 minutes. */
export const SES_THROTTLED_THRESHOLD = 10;
export const SES_THROTTLING_WINDOW = Duration.minutes(15);

/** A metric-math alarm may read at most 10 metrics (a hard CloudWatch limit). */
const MAX_METRICS_PER_ALARM = 10;
const FIVE_MINUTES = Duration.minutes(5);

/** Values of the `outcome` dimension of VerificationCheck. */
export const VERIFICATION_OUTCOMES = [...DOMAIN_STATUSES.filter((s) => s !== 'verifying'), 'skipped'] as const;
/** Values of the `to` dimension of StatusTransition: the verifier only ever decides these. */
export const TRANSITION_TARGETS = DOMAIN_STATUSES.filter((s) => s !== 'verifying');

export interface MonitoringProps {
  /** Alarm names start with `<namePrefix>-`; the topic only accepts alarms named so. */
  readonly namePrefix: string;
  readonly stage: string;
  readonly httpApi: apigwv2.IHttpApi;
  /** Every function of the stack, by name. */
  readonly functions: Readonly<Record<FunctionName, ApiFunction>>;
  readonly verifier: ApiFunction;
  readonly scheduler: ApiFunction;
  readonly schedule: events.IRule;
  readonly verifyQueue: sqs.IQueue;
  readonly deadLetterQueue: sqs.IQueue;
  /** The webhook pipeline: the stream-fed fan-out, the delivery worker, its queue, and both DLQs. */
  readonly webhooks: {
    readonly fanout: ApiFunction;
    readonly deliver: ApiFunction;
    readonly deliveryQueue: sqs.IQueue;
    readonly deliveryDeadLetterQueue: sqs.IQueue;
    readonly fanoutDeadLetterQueue: sqs.IQueue;
  };
  /** Where the application's EMF metrics go (POWERTOOLS_METRICS_NAMESPACE). */
  readonly metricsNamespace: string;
  /** The `service` dimension Powertools adds to every metric (POWERTOOLS_SERVICE_NAME). */
  readonly serviceName: string;
  /** Subscribed to the topic when given; it must confirm the subscription email. */
  readonly alarmEmail?: string;
  /** The ids of the counted SES cells that take new domains: each gets a fill alarm. @default none */
  readonly fillingCells?: readonly string[];
}

export class Monitoring extends Construct {
  readonly topic: sns.Topic;
  readonly topicKey: kms.Key;
  readonly dashboard: cloudwatch.Dashboard;
  /** Every alarm by its id (ALARM values; throttle alarms beyond the first get a number appended). */
  readonly alarms: ReadonlyMap<string, cloudwatch.Alarm>;

  private readonly props: MonitoringProps;
  private readonly action: cwActions.SnsAction;
  private readonly alarmsById = new Map<string, cloudwatch.Alarm>();

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    this.props = props;
    ({ topic: this.topic, key: this.topicKey } = this.createTopic());
    this.action = new cwActions.SnsAction(this.topic);
    this.alarms = this.alarmsById;
    this.createAlarms();
    this.createWebhookAlarms();
    this.createCellAlarms();
    this.dashboard = this.createDashboard();
  }

  /**
   * cdk-nag asks for encryption at rest (SNS2) and TLS-only publishing (SNS3). CloudWatch cannot
   * publish to a topic encrypted with the AWS managed key (its policy cannot be changed), hence a
   * key of our own that lets CloudWatch, and only for this stack's alarms, encrypt to the topic.
   */
  private createTopic(): { topic: sns.Topic; key: kms.Key } {
    const stack = Stack.of(this);
    const alarmArns = stack.formatArn({
      service: 'cloudwatch',
      resource: 'alarm',
      resourceName: `${this.props.namePrefix}-*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const onlyOurAlarms = {
      StringEquals: { 'aws:SourceAccount': stack.account },
      ArnLike: { 'aws:SourceArn': alarmArns },
    };
    const cloudwatchService = new iam.ServicePrincipal('cloudwatch.amazonaws.com');

    const key = new kms.Key(this, 'AlarmTopicKey', {
      description: `Encrypts the alarm notifications of the Krafter Domains API (${this.props.stage})`,
      enableKeyRotation: true,
      // It protects nothing at rest that outlives a notification, so it goes with the stack
      // (after KMS's waiting period) instead of being billed monthly as an orphan.
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsOfThisStack',
        principals: [cloudwatchService],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: onlyOurAlarms,
      }),
    );

    const topic = new sns.Topic(this, 'AlarmTopic', {
      displayName: `Krafter Domains alarms (${this.props.stage})`,
      masterKey: key,
      enforceSSL: true,
    });
    // Any topic policy replaces SNS's default one, which is what let CloudWatch publish.
    topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsOfThisStack',
        principals: [cloudwatchService],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: onlyOurAlarms,
      }),
    );
    if (this.props.alarmEmail) topic.addSubscription(new subscriptions.EmailSubscription(this.props.alarmEmail));
    return { topic, key };
  }

  private createAlarms(): void {
    const { deadLetterQueue, verifier, httpApi } = this.props;

    this.alarm(ALARM.deadLetters, {
      alarmDescription:
        'Verification messages failed 5 receives and were moved to the dead-letter queue: checks keep failing. See docs/deploy.md.',
      metric: deadLetterQueue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period: FIVE_MINUTES }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
    });

    // Failed records are reported per message and retried by the queue; a function error means a
    // whole batch failed (a timeout, a crash, bad configuration). Two bad periods out of three:
    // one retried timeout does not page anyone, a persistent fault does.
    this.alarm(ALARM.verifierErrors, {
      alarmDescription:
        'The verifier function fails whole invocations (timeouts, crashes, configuration). See docs/deploy.md.',
      metric: verifier.fn.metricErrors({ statistic: 'Sum', period: FIVE_MINUTES }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
    });

    this.alarm(ALARM.api5xxRate, {
      alarmDescription:
        `More than ${API_5XX_RATE_PERCENT}% of API requests answered 5xx within 5 minutes ` +
        `(counted from ${API_5XX_MIN_REQUESTS} requests on). See docs/deploy.md.`,
      metric: new cloudwatch.MathExpression({
        expression: `IF(requests >= ${API_5XX_MIN_REQUESTS}, 100 * FILL(errors, 0) / requests, 0)`,
        usingMetrics: {
          requests: httpApi.metricCount({ statistic: 'Sum', period: FIVE_MINUTES }),
          errors: httpApi.metricServerError({ statistic: 'Sum', period: FIVE_MINUTES }),
        },
        period: FIVE_MINUTES,
        label: '5xx responses, % of requests',
      }),
      threshold: API_5XX_RATE_PERCENT,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
    });

    // One alarm per ten functions: a math alarm reads at most ten metrics.
    const functions = Object.values<ApiFunction>(this.props.functions);
    for (let i = 0; i < functions.length; i += MAX_METRICS_PER_ALARM) {
      const group = functions.slice(i, i + MAX_METRICS_PER_ALARM);
      const id = i === 0 ? ALARM.lambdaThrottles : `${ALARM.lambdaThrottles}${i / MAX_METRICS_PER_ALARM + 1}`;
      this.alarm(id, {
        alarmDescription: `Lambda refused invocations: a function reached its reserved concurrency, or the account ran out (${group.map((f) => f.name).join(', ')}). See docs/deploy.md.`,
        metric: this.sumOf(
          group.map((f) => f.fn.metricThrottles({ statistic: 'Sum', period: FIVE_MINUTES })),
          'Throttled invocations',
        ),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
      });
    }

    this.alarm(ALARM.sesThrottling, {
      alarmDescription:
        `SES kept throttling: ${SES_THROTTLED_THRESHOLD} or more verification checks failed on it within ` +
        `${SES_THROTTLING_WINDOW.toMinutes()} minutes. See docs/deploy.md.`,
      metric: this.appMetric(METRIC.sesThrottled, {}, SES_THROTTLING_WINDOW),
      threshold: SES_THROTTLED_THRESHOLD,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
    });

    // The schedule fires every 5 minutes and a failed run is simply retried by the next one, so
    // only failures in three periods in a row mean re-verification has stopped.
    this.alarm(ALARM.schedulerFailing, {
      alarmDescription:
        'Scheduled re-verification has failed for 15 minutes (function errors or undelivered schedule events). See docs/deploy.md.',
      metric: this.schedulerFailures(),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 3,
    });
  }

  private createWebhookAlarms(): void {
    const { deliver, fanout, deliveryDeadLetterQueue, fanoutDeadLetterQueue } = this.props.webhooks;
    const notEmpty = (queue: sqs.IQueue) =>
      queue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period: FIVE_MINUTES });
    this.alarm(ALARM.deliveryDeadLetters, {
      alarmDescription:
        'Webhook delivery messages failed 5 receives (the table or KMS kept failing) and wait in the dead-letter queue; their deliveries stay pending. See docs/deploy.md.',
      metric: notEmpty(deliveryDeadLetterQueue),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
    });
    this.alarm(ALARM.fanoutDeadLetters, {
      alarmDescription:
        'Webhook events the fan-out gave up on after its retries: their deliveries were never made. See docs/deploy.md.',
      metric: notEmpty(fanoutDeadLetterQueue),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
    });
    for (const [id, fn, what] of [
      [ALARM.deliverErrors, deliver, 'delivery worker'],
      [ALARM.fanoutErrors, fanout, 'fan-out'],
    ] as const) {
      this.alarm(id, {
        alarmDescription: `The webhook ${what} fails whole invocations (timeouts, crashes, configuration). See docs/deploy.md.`,
        metric: fn.fn.metricErrors({ statistic: 'Sum', period: FIVE_MINUTES }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
      });
    }
    // A 410 is the customer's own choice; an endpoint failing for five days is worth a word to them.
    this.alarm(ALARM.webhookDisabled, {
      alarmDescription:
        'A webhook endpoint was switched off after five days of failed deliveries; the EventBridge event "Webhook Endpoint Disabled" names it. See docs/deploy.md.',
      metric: this.appMetric(METRIC.webhookDisabled, { reason: DISABLED_FAILING }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
    });
  }

  /** The scheduler reports every 5 minutes how full each cell is (src/services/cell-fill.ts). */
  private cellFill(cell: string): cloudwatch.Metric {
    return this.appMetric(CELL_METRIC.cellFill, { cell }).with({ statistic: 'Maximum', label: cell });
  }

  private createCellAlarms(): void {
    for (const cell of this.props.fillingCells ?? []) {
      this.alarm(cellFillingAlarm(cell), {
        alarmDescription:
          `SES cell ${cell} holds ${CELL_FILL_ALARM_PERCENT}% or more of its identity quota (SES_IDENTITY_QUOTA): ` +
          'add a cell to its region before every cell there is full and creates answer 503. See docs/deploy.md.',
        metric: this.cellFill(cell),
        threshold: CELL_FILL_ALARM_PERCENT,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
      });
    }
  }

  private alarm(id: string, props: Omit<cloudwatch.AlarmProps, 'alarmName' | 'treatMissingData'>): void {
    const alarm = new cloudwatch.Alarm(this, id, {
      ...props,
      alarmName: `${this.props.namePrefix}-${id}`,
      // Every metric here is sparse (no requests, no throttles, an empty queue): silence is healthy.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(this.action);
    alarm.addOkAction(this.action);
    this.alarmsById.set(id, alarm);
  }

  /** Per-period total of sparse series: SUM over an array adds whichever series have a value. */
  private sumOf(metrics: readonly cloudwatch.IMetric[], label: string): cloudwatch.MathExpression {
    const usingMetrics = Object.fromEntries(metrics.map((m, i) => [`m${i}`, m]));
    return new cloudwatch.MathExpression({
      expression: `SUM([${Object.keys(usingMetrics).join(', ')}])`,
      usingMetrics,
      period: FIVE_MINUTES,
      label,
    });
  }

  private schedulerFailures(): cloudwatch.MathExpression {
    return this.sumOf(
      [
        this.props.scheduler.fn.metricErrors({ statistic: 'Sum', period: FIVE_MINUTES }),
        new cloudwatch.Metric({
          namespace: 'AWS/Events',
          metricName: 'FailedInvocations',
          dimensionsMap: { RuleName: this.props.schedule.ruleName },
          statistic: 'Sum',
          period: FIVE_MINUTES,
        }),
      ],
      'Scheduler errors + undelivered schedule events',
    );
  }

  private addWebhookWidgets(
    dashboard: cloudwatch.Dashboard,
    graph: (
      title: string,
      left: cloudwatch.IMetric[],
      extra?: Partial<cloudwatch.GraphWidgetProps>,
    ) => cloudwatch.IWidget,
  ): void {
    const { fanout, deliveryQueue, deliveryDeadLetterQueue, fanoutDeadLetterQueue } = this.props.webhooks;
    const max = { statistic: 'Maximum', period: FIVE_MINUTES };
    dashboard.addWidgets(
      graph('Webhook attempts', [
        this.appMetric(METRIC.webhookDelivered),
        this.appMetric(METRIC.webhookRetried),
        this.appMetric(METRIC.webhookFailed),
      ]),
      graph('Webhook endpoints switched off', [
        this.appMetric(METRIC.webhookDisabled, { reason: DISABLED_GONE }),
        this.appMetric(METRIC.webhookDisabled, { reason: DISABLED_FAILING }),
      ]),
      graph('Webhook queues', [
        deliveryQueue.metricApproximateNumberOfMessagesVisible({ ...max, label: 'delivery queue, visible' }),
        deliveryQueue.metricApproximateNumberOfMessagesNotVisible({ ...max, label: 'delivery queue, in flight' }),
        deliveryDeadLetterQueue.metricApproximateNumberOfMessagesVisible({ ...max, label: 'delivery DLQ' }),
        fanoutDeadLetterQueue.metricApproximateNumberOfMessagesVisible({ ...max, label: 'fan-out DLQ' }),
      ]),
    );
    dashboard.addWidgets(
      graph(
        'Age of the oldest delivery message (s)',
        [deliveryQueue.metricApproximateAgeOfOldestMessage({ ...max, label: 'delivery queue' })],
        { width: 12 },
      ),
      graph(
        'Fan-out behind the table stream (ms)',
        [fanout.fn.metric('IteratorAge', { ...max, label: 'iterator age' })],
        { width: 12 },
      ),
    );
  }

  /** A metric the functions publish through Powertools (EMF), which adds the `service` dimension. */
  private appMetric(
    name: string,
    dimensions: Record<string, string> = {},
    period: Duration = FIVE_MINUTES,
  ): cloudwatch.Metric {
    const label = Object.values(dimensions).join(' ') || name;
    return new cloudwatch.Metric({
      namespace: this.props.metricsNamespace,
      metricName: name,
      dimensionsMap: { service: this.props.serviceName, ...dimensions },
      statistic: 'Sum',
      period,
      label,
    });
  }

  private createDashboard(): cloudwatch.Dashboard {
    const { httpApi, verifyQueue, deadLetterQueue } = this.props;
    const functions = Object.values<ApiFunction>(this.props.functions);
    const perFunction = (metric: (f: ApiFunction) => cloudwatch.IMetric) => functions.map(metric);
    const graph = (title: string, left: cloudwatch.IMetric[], extra: Partial<cloudwatch.GraphWidgetProps> = {}) =>
      new cloudwatch.GraphWidget({ title, left, width: 8, height: 6, ...extra });

    const stack = Stack.of(this);
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      // Dashboard names are unique per account, not per region.
      dashboardName: `${this.props.namePrefix}-${stack.region}`,
      defaultInterval: Duration.hours(3),
    });

    dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({
        title: 'Alarms',
        alarms: [...this.alarmsById.values()],
        width: 24,
        height: 3,
      }),
    );
    dashboard.addWidgets(
      graph('API requests', [httpApi.metricCount({ statistic: 'Sum', period: FIVE_MINUTES, label: 'Requests' })]),
      graph('API errors', [
        httpApi.metricClientError({ statistic: 'Sum', period: FIVE_MINUTES, label: '4xx' }),
        httpApi.metricServerError({ statistic: 'Sum', period: FIVE_MINUTES, label: '5xx' }),
      ]),
      graph('API latency (ms)', [
        httpApi.metricLatency({ statistic: 'p50', period: FIVE_MINUTES, label: 'p50' }),
        httpApi.metricLatency({ statistic: 'p99', period: FIVE_MINUTES, label: 'p99' }),
        httpApi.metricIntegrationLatency({ statistic: 'p99', period: FIVE_MINUTES, label: 'integration p99' }),
      ]),
    );
    dashboard.addWidgets(
      graph('Domains created and deleted', [
        this.appMetric(METRIC.domainCreated, {}, FIVE_MINUTES),
        this.appMetric(METRIC.domainDeleted, {}, FIVE_MINUTES),
      ]),
      graph(
        'Verification checks by outcome',
        VERIFICATION_OUTCOMES.map((outcome) => this.appMetric(METRIC.verificationCheck, { outcome })),
        { stacked: true },
      ),
      graph(
        'Status transitions by new status',
        TRANSITION_TARGETS.map((to) => this.appMetric(METRIC.statusTransition, { to })),
      ),
    );
    dashboard.addWidgets(
      graph('SES throttles and retries', [this.appMetric(METRIC.sesThrottled), this.appMetric(METRIC.sesRetry)]),
      graph('Verify queue depth', [
        verifyQueue.metricApproximateNumberOfMessagesVisible({
          statistic: 'Maximum',
          period: FIVE_MINUTES,
          label: 'verify queue, visible',
        }),
        verifyQueue.metricApproximateNumberOfMessagesNotVisible({
          statistic: 'Maximum',
          period: FIVE_MINUTES,
          label: 'verify queue, in flight',
        }),
        deadLetterQueue.metricApproximateNumberOfMessagesVisible({
          statistic: 'Maximum',
          period: FIVE_MINUTES,
          label: 'dead-letter queue',
        }),
      ]),
      graph('Age of the oldest verify message (s)', [
        verifyQueue.metricApproximateAgeOfOldestMessage({
          statistic: 'Maximum',
          period: FIVE_MINUTES,
          label: 'verify queue',
        }),
        deadLetterQueue.metricApproximateAgeOfOldestMessage({
          statistic: 'Maximum',
          period: FIVE_MINUTES,
          label: 'dead-letter queue',
        }),
      ]),
    );
    dashboard.addWidgets(
      graph(
        'Lambda errors',
        perFunction((f) => f.fn.metricErrors({ statistic: 'Sum', period: FIVE_MINUTES, label: f.name })),
      ),
      graph(
        'Lambda throttles',
        perFunction((f) => f.fn.metricThrottles({ statistic: 'Sum', period: FIVE_MINUTES, label: f.name })),
      ),
      graph(
        'Lambda duration p99 (ms)',
        perFunction((f) => f.fn.metricDuration({ statistic: 'p99', period: FIVE_MINUTES, label: f.name })),
      ),
    );
    dashboard.addWidgets(
      graph(
        'Scheduled re-verification',
        [
          this.props.scheduler.fn.metricInvocations({
            statistic: 'Sum',
            period: FIVE_MINUTES,
            label: 'scheduler runs',
          }),
          this.schedulerFailures(),
        ],
        { width: 12 },
      ),
      graph(
        'Verifier invocations',
        [
          this.props.verifier.fn.metricInvocations({ statistic: 'Sum', period: FIVE_MINUTES, label: 'invocations' }),
          this.props.verifier.fn.metricErrors({ statistic: 'Sum', period: FIVE_MINUTES, label: 'errors' }),
        ],
        { width: 12 },
      ),
    );
    this.addWebhookWidgets(dashboard, graph);
    const cells = this.props.fillingCells ?? [];
    if (cells.length > 0) {
      dashboard.addWidgets(
        graph(
          'SES cells: % of the identity quota placed',
          cells.map((c) => this.cellFill(c)),
          { width: 24, leftYAxis: { min: 0, max: 100 } },
        ),
      );
    }
    return dashboard;
  }
}
