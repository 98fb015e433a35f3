// Apache Kafka in KRaft mode (one process = broker + controller) from its Maven Central jars.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel, type Admin, type SASLOptions } from 'kafkajs';
import { SERVICE_PRINCIPALS, type KafkaConnection, type KafkaSasl } from '@jitsuin/events';
import { InfraError } from './errors.js';
import { cacheDir, dataDir, infraSrcDir, jitsuinDir, runDir } from './paths.js';
import type { Launch, Log, ServiceSpec } from './service.js';
import { requireJava, requireTool, runTool } from './tools.js';

export interface KafkaOptions {
  /** Client port; default $JITSUIN_KAFKA_PORT or 9092. */
  port?: number;
  /** KRaft controller port; default $JITSUIN_KAFKA_CONTROLLER_PORT or 9093. */
  controllerPort?: number;
  /**
   * Where this broker keeps its data (`data/`), config, pid and log (`run/`) and its principals'
   * passwords (`users/`); default $JITSUIN_KAFKA_DIR, else the repository's .jitsuin/data/kafka,
   * .jitsuin/run and .jitsuin/kafka-users. A second broker beside the first needs its own
   * directory and ports.
   */
  dir?: string;
  /**
   * `sasl` (default; $JITSUIN_KAFKA_SECURITY): clients log in with SCRAM-SHA-512 and the ACLs
   * of kafka-access.ts decide what each may do. `plaintext`: anyone may do anything, as
   * before the platform had principals.
   */
  security?: KafkaSecurity;
  /**
   * Off by default so tests create their topics explicitly, as production does (Strimzi
   * KafkaTopic resources): a topic the code forgot to declare fails in tests, not in prod.
   */
  autoCreateTopics?: boolean;
}

export type KafkaSecurity = 'sasl' | 'plaintext';

const host = '127.0.0.1';
const pom = path.join(infraSrcDir, 'kafka/pom.xml');

/** The Kafka version is defined once, in the pom. */
export function kafkaVersion(): string {
  const m = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(fs.readFileSync(pom, 'utf8'));
  if (!m?.[1]) throw new Error(`no <kafka.version> in ${pom}`);
  return m[1];
}

/** Where one broker's files are. */
export interface KafkaPlace {
  dataDir: string;
  runDir: string;
  usersDir: string;
}

export function kafkaPlace(opts: KafkaOptions = {}): KafkaPlace {
  const dir = opts.dir ?? (process.env.JITSUIN_KAFKA_DIR?.trim() || undefined);
  if (dir) return { dataDir: path.join(dir, 'data'), runDir: path.join(dir, 'run'), usersDir: path.join(dir, 'users') };
  return { dataDir: path.join(dataDir, 'kafka'), runDir, usersDir: path.join(jitsuinDir, 'kafka-users') };
}

export function kafkaSecurity(opts: KafkaOptions = {}): KafkaSecurity {
  const security = opts.security ?? (process.env.JITSUIN_KAFKA_SECURITY?.trim() || 'sasl');
  if (security !== 'sasl' && security !== 'plaintext') {
    throw new InfraError(`JITSUIN_KAFKA_SECURITY must be sasl or plaintext (got ${JSON.stringify(security)})`);
  }
  return security;
}

/** Clients log in with this; the controller listener (broker to controller, in-process) with PLAIN. */
export const KAFKA_SASL_MECHANISM = 'scram-sha-512' as const;
const SCRAM = 'SCRAM-SHA-512';

export function kafkaSpec(opts: KafkaOptions = {}): ServiceSpec {
  const port = opts.port ?? envPort('JITSUIN_KAFKA_PORT', 9092);
  const controllerPort = opts.controllerPort ?? envPort('JITSUIN_KAFKA_CONTROLLER_PORT', 9093);
  const address = `${host}:${port}`;
  const place = kafkaPlace(opts);
  const security = kafkaSecurity(opts);
  const serverProperties = path.join(place.runDir, 'kafka.server.properties');
  const admin = () => (security === 'sasl' ? kafkaLogins(place).admin.sasl : undefined);
  return {
    name: 'kafka',
    host,
    ports: [port, controllerPort],
    address,
    pidFile: path.join(place.runDir, 'kafka.pid'),
    logFile: path.join(place.runDir, 'kafka.log'),
    startTimeoutMs: 90_000,
    stopTimeoutMs: 30_000,
    isOurs: (cmd) => cmd.includes('kafka.Kafka') && cmd.includes(serverProperties),
    prepare: (log) => prepare(log, { port, controllerPort, place, security, serverProperties, autoCreateTopics: opts.autoCreateTopics ?? false }),
    probe: () => probeKafka({ brokers: [address], sasl: admin() }),
    // A broker of ours started before SASL was the default (or with JITSUIN_KAFKA_SECURITY=
    // plaintext) answers a client that does not log in; one with SASL closes the connection.
    staleReason:
      security === 'sasl'
        ? async () => ((await answersWithoutLogin([address])) ? 'it accepts clients without SASL; restarting it with SASL and ACLs' : undefined)
        : undefined,
  };
}

function envPort(name: string, fallback: number): number {
  const v = process.env[name];
  return v ? Number(v) : fallback;
}

interface BrokerSetup {
  port: number;
  controllerPort: number;
  place: KafkaPlace;
  security: KafkaSecurity;
  serverProperties: string;
  autoCreateTopics: boolean;
}

async function prepare(log: Log, setup: BrokerSetup): Promise<Launch> {
  const { place, security, serverProperties } = setup;
  const java = requireJava(17);
  const libs = await ensureJars(log);
  fs.mkdirSync(place.runDir, { recursive: true });
  const logins = security === 'sasl' ? kafkaLogins(place) : undefined;
  // The config holds the admin's password: readable by this user only.
  fs.writeFileSync(serverProperties, serverConfig(setup, logins?.admin.sasl.password), { mode: 0o600 });
  fs.chmodSync(serverProperties, 0o600);
  const log4jProperties = path.join(place.runDir, 'kafka.log4j2.properties');
  fs.writeFileSync(log4jProperties, log4jConfig);
  const classpath = path.join(libs, '*');
  const jvm = [`-Dlog4j2.configurationFile=${log4jProperties}`, '-cp', classpath];
  // Format once; afterwards the same data dir is reused so topics and offsets survive restarts.
  // The stamp says which admin credential the data was formatted with: none (a plaintext
  // broker, or one from before SASL) or another password means the admin could not log in,
  // so the data dir is formatted again (its topics and offsets are lost; it is a test broker).
  const stamp = path.join(place.dataDir, 'jitsuin-security');
  const wanted = logins ? `sasl ${createHash('sha256').update(logins.admin.sasl.password).digest('hex')}` : 'plaintext';
  const formatted = fs.existsSync(path.join(place.dataDir, 'meta.properties'));
  const stamped = fs.existsSync(stamp) ? fs.readFileSync(stamp, 'utf8').trim() : 'plaintext';
  if (formatted && logins && stamped !== wanted) {
    log(`kafka: ${place.dataDir} was formatted without this installation's admin credential; formatting it again (topics and offsets are lost)`);
    fs.rmSync(place.dataDir, { recursive: true, force: true });
  }
  if (!fs.existsSync(path.join(place.dataDir, 'meta.properties'))) {
    log('kafka: formatting storage');
    const clusterId = randomBytes(16).toString('base64url'); // a Kafka cluster id is a base64url UUID
    // Every principal's SCRAM credential goes into the first metadata records; ones added
    // later are created through the Admin API by ensureKafkaUsers.
    const scram = logins ? Object.entries(logins).flatMap(([name, l]) => ['--add-scram', `${SCRAM}=[name=${name},password=${l.sasl.password}]`]) : [];
    await runTool(java, [...jvm, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', serverProperties, ...scram]);
    fs.writeFileSync(stamp, `${wanted}\n`);
  }
  return {
    command: java,
    args: ['-Xms128m', '-Xmx512m', '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-XX:+ExitOnOutOfMemoryError', '-Djava.awt.headless=true', ...jvm, 'kafka.Kafka', serverProperties],
  };
}

/** Resolves the broker's runtime jars into the cache once per pom content. */
async function ensureJars(log: Log): Promise<string> {
  const pomText = fs.readFileSync(pom, 'utf8');
  const dir = path.join(cacheDir, `kafka-${kafkaVersion()}`);
  const libs = path.join(dir, 'libs');
  const stamp = path.join(libs, '.pom-sha256');
  const hash = createHash('sha256').update(pomText).digest('hex');
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === hash) return libs;

  const mvn = requireTool('mvn');
  log(`kafka: resolving Kafka ${kafkaVersion()} jars from Maven Central (first run only)`);
  // Resolve into a temp dir and swap, so an interrupted run never leaves a half-filled libs/.
  const tmp = path.join(dir, `libs.tmp-${process.pid}`);
  fs.rmSync(tmp, { recursive: true, force: true });
  await runTool(mvn, ['-q', '-B', '-f', pom, 'dependency:copy-dependencies', `-DoutputDirectory=${tmp}`]);
  fs.writeFileSync(path.join(tmp, '.pom-sha256'), hash);
  fs.rmSync(libs, { recursive: true, force: true });
  fs.renameSync(tmp, libs);
  return libs;
}

function serverConfig(setup: BrokerSetup, adminPassword: string | undefined): string {
  const { port, controllerPort, place, autoCreateTopics } = setup;
  const security =
    adminPassword === undefined
      ? `listeners=PLAINTEXT://${host}:${port},CONTROLLER://${host}:${controllerPort}
advertised.listeners=PLAINTEXT://${host}:${port}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
`
      : `# Clients (and the broker to itself) log in with SCRAM-SHA-512; credentials live in the
# cluster metadata (kafka-storage format --add-scram, then the Admin API).
listeners=CLIENT://${host}:${port},CONTROLLER://${host}:${controllerPort}
advertised.listeners=CLIENT://${host}:${port}
listener.security.protocol.map=CLIENT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT
inter.broker.listener.name=CLIENT
sasl.enabled.mechanisms=${SCRAM}
listener.name.client.sasl.enabled.mechanisms=${SCRAM}
sasl.mechanism.inter.broker.protocol=${SCRAM}
listener.name.client.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="${adminPassword}";
# The controller cannot check SCRAM (its credentials are in the metadata it serves), so the
# broker logs in to it with PLAIN, as the same admin principal.
controller.listener.names=CONTROLLER
sasl.mechanism.controller.protocol=PLAIN
listener.name.controller.sasl.enabled.mechanisms=PLAIN
listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="${adminPassword}" user_admin="${adminPassword}";
# Nobody may do anything an ACL does not allow; the admin (the testkit, ./jitsuin up) may do all.
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:admin
`;
  return `# Generated by packages/testkit/src/infra/kafka.ts on every start; edit that file instead.
process.roles=broker,controller
node.id=1
# Static quorum (not --standalone): the controller address lives here, not in the formatted
# log, so the ports can change between runs without re-formatting the data dir.
controller.quorum.voters=1@${host}:${controllerPort}
${security}log.dirs=${place.dataDir}
# Single node, sized for tests.
num.partitions=3
auto.create.topics.enable=${autoCreateTopics}
offsets.topic.replication.factor=1
offsets.topic.num.partitions=5
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=5
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
share.coordinator.state.topic.num.partitions=5
group.initial.rebalance.delay.ms=0
`;
}

// Quiet: warnings and up, plus the "Kafka Server started" line; the log goes to run/kafka.log.
const log4jConfig = `status = warn
appender.console.type = Console
appender.console.name = STDOUT
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.stdout.ref = STDOUT
logger.started.name = kafka.server.KafkaRaftServer
logger.started.level = INFO
`;

/**
 * Healthy = the broker answers a metadata request through a real client, logged in if the
 * connection says so (any principal may ask: it is shown the topics it may describe).
 */
export async function probeKafka(connection: KafkaConnection): Promise<void> {
  await withAdmin(connection, (admin) => admin.listTopics());
}

async function withAdmin(connection: KafkaConnection, fn: (admin: Admin) => Promise<unknown>): Promise<void> {
  const kafka = new Kafka({
    clientId: 'jitsuin-infra-probe',
    brokers: connection.brokers,
    // A copy: kafkajs keeps state of its own on the sasl object it is given.
    ...(connection.sasl && { sasl: { ...connection.sasl } as SASLOptions }),
    ...(connection.ssl && { ssl: true }),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    requestTimeout: 3000,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    await fn(admin);
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/** Whether the broker serves a client that does not log in (a plaintext listener). */
async function answersWithoutLogin(brokers: string[]): Promise<boolean> {
  try {
    await probeKafka({ brokers });
    return true;
  } catch {
    return false;
  }
}

/** A principal's login, and the file its password is kept in (for KAFKA_PASSWORD_FILE). */
export interface KafkaLogin {
  sasl: KafkaSasl;
  passwordFile: string;
}

export const KAFKA_PRINCIPALS = ['admin', 'test', ...SERVICE_PRINCIPALS] as const;
export type KafkaPrincipal = (typeof KAFKA_PRINCIPALS)[number];

/**
 * Each principal's login on this broker. The passwords are made at random on first use and
 * kept in `<users>/<principal>.password` (mode 600, under the gitignored .jitsuin): one set per
 * installation, never in the repository.
 */
export function kafkaLogins(place: KafkaPlace): Record<KafkaPrincipal, KafkaLogin> {
  fs.mkdirSync(place.usersDir, { recursive: true, mode: 0o700 });
  const entries = KAFKA_PRINCIPALS.map((name) => {
    const passwordFile = path.join(place.usersDir, `${name}.password`);
    if (!fs.existsSync(passwordFile)) {
      // wx: two processes making the same file at once keep the first one's password.
      try {
        fs.writeFileSync(passwordFile, `${randomBytes(24).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
    }
    const password = fs.readFileSync(passwordFile, 'utf8').trim();
    return [name, { sasl: { mechanism: KAFKA_SASL_MECHANISM, username: name, password }, passwordFile }] as const;
  });
  return Object.fromEntries(entries) as Record<KafkaPrincipal, KafkaLogin>;
}

/**
 * Makes sure every principal can log in: a principal whose login fails (added to the list after
 * the data dir was formatted, or its password file made again) gets its SCRAM credential from
 * the Admin API's alterUserScramCredentials, which kafkajs lacks: infra/kafka/ScramUsers.java,
 * run by Java's source launcher with the broker's jars (a JDK, not only a JRE, is needed then).
 */
export async function ensureKafkaUsers(opts: KafkaOptions, log: Log): Promise<void> {
  const place = kafkaPlace(opts);
  const logins = kafkaLogins(place);
  const spec = kafkaSpec(opts);
  const failing: KafkaPrincipal[] = [];
  for (const name of KAFKA_PRINCIPALS) {
    if (name === 'admin') continue;
    try {
      await probeKafka({ brokers: [spec.address], sasl: logins[name].sasl });
    } catch {
      failing.push(name);
    }
  }
  if (failing.length === 0) return;
  log(`kafka: creating the SCRAM credentials of ${failing.join(', ')}`);
  const java = requireJava(17);
  const libs = await ensureJars(log);
  await runTool(java, ['-cp', path.join(libs, '*'), path.join(infraSrcDir, 'kafka/ScramUsers.java'), spec.address, place.usersDir, ...failing]);
}
