// The broker's ACLs, made from @jitsuin/events' SERVICE_ACCESS table: applied by the testkit
// after every start of its broker (and by ./jitsuin up), as the admin principal.
import kafkajs, { type AclEntry, type Kafka } from 'kafkajs';
import { SERVICE_ACCESS, SERVICE_PRINCIPALS, Topics } from '@jitsuin/events';

// kafkajs is CommonJS, and Node sees only some of its exports by name.
const { AclOperationTypes: Op, AclPermissionTypes, AclResourceTypes: Resource, ResourcePatternTypes: Pattern } = kafkajs;
type Op = kafkajs.AclOperationTypes;
type Resource = kafkajs.AclResourceTypes;
type Pattern = kafkajs.ResourcePatternTypes;

/** The principal the tests produce and consume as: anything on the Jitsuin topics, any group. */
export const TEST_PRINCIPAL = 'test';

const allow = (principal: string, resourceType: Resource, resourceName: string, resourcePatternType: Pattern, operation: Op): AclEntry => ({
  principal: `User:${principal}`,
  host: '*',
  permissionType: AclPermissionTypes.ALLOW,
  resourceType,
  resourceName,
  resourcePatternType,
  operation,
});

/** Every ACL the broker should hold for the platform's principals (the admin is a super user and needs none). */
export function platformAcls(): AclEntry[] {
  const acls: AclEntry[] = [];
  for (const name of SERVICE_PRINCIPALS) {
    const access = SERVICE_ACCESS[name];
    for (const topic of access.produces) acls.push(allow(name, Resource.TOPIC, topic, Pattern.LITERAL, Op.WRITE));
    for (const topic of access.consumes) acls.push(allow(name, Resource.TOPIC, topic, Pattern.LITERAL, Op.READ));
    // ensureTopics at start looks each Jitsuin topic up (it never creates one: the admin has).
    for (const topic of Object.values(Topics)) acls.push(allow(name, Resource.TOPIC, topic, Pattern.LITERAL, Op.DESCRIBE));
    // Joining, committing and fetching offsets are READ on the group.
    for (const prefix of access.groupPrefixes) acls.push(allow(name, Resource.GROUP, prefix, Pattern.PREFIXED, Op.READ));
  }
  acls.push(
    allow(TEST_PRINCIPAL, Resource.TOPIC, 'jitsuin.', Pattern.PREFIXED, Op.ALL),
    allow(TEST_PRINCIPAL, Resource.GROUP, '*', Pattern.LITERAL, Op.ALL),
    allow(TEST_PRINCIPAL, Resource.CLUSTER, 'kafka-cluster', Pattern.LITERAL, Op.DESCRIBE),
  );
  return acls;
}

const key = (a: AclEntry) => [a.principal, a.host, a.permissionType, a.resourceType, a.resourceName, a.resourcePatternType, a.operation].join('|');

/**
 * Makes the broker's ACLs for the platform's principals exactly platformAcls(): missing ones
 * are created, ones no longer in the table deleted (a right taken from a service is taken from
 * the running broker too). Other principals' ACLs are left alone. Resolves true if it changed any.
 */
export async function syncPlatformAcls(adminKafka: Kafka): Promise<boolean> {
  const wanted = platformAcls();
  const principals = new Set([...SERVICE_PRINCIPALS, TEST_PRINCIPAL].map((p) => `User:${p}`));
  const admin = adminKafka.admin();
  await admin.connect();
  try {
    const { resources } = await admin.describeAcls({
      resourceType: Resource.ANY,
      resourcePatternType: Pattern.ANY,
      operation: Op.ANY,
      permissionType: AclPermissionTypes.ANY,
    });
    const existing = resources.flatMap((r) =>
      r.acls
        .filter((a) => principals.has(a.principal))
        .map((a): AclEntry => ({ ...a, resourceType: r.resourceType, resourceName: r.resourceName, resourcePatternType: r.resourcePatternType })),
    );
    const have = new Set(existing.map(key));
    const want = new Set(wanted.map(key));
    const missing = wanted.filter((a) => !have.has(key(a)));
    const extra = existing.filter((a) => !want.has(key(a)));
    if (missing.length > 0) await admin.createAcls({ acl: missing });
    if (extra.length > 0) await admin.deleteAcls({ filters: extra });
    return missing.length + extra.length > 0;
  } finally {
    await admin.disconnect();
  }
}
