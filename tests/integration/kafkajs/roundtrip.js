// kafkajs 2.2.4 against a real cafka-server: admin, idempotence-free producer, consumer group.
// Usage: node roundtrip.js BOOTSTRAP TOPIC GROUP. Prints one JSON line; exits 1 on any mismatch.
const { Kafka, logLevel, ConfigResourceTypes } = require('kafkajs');

const [bootstrap, topic, groupId] = process.argv.slice(2);
const total = 300;
const kafka = new Kafka({ clientId: 'cafka-kafkajs', brokers: [bootstrap], logLevel: logLevel.WARN });

function fail(message) {
  console.error(`FAIL: ${message}`);
  process.exit(1);
}

async function main() {
  const admin = kafka.admin();
  await admin.connect();
  if (!(await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true })))
    fail('createTopics returned false');
  const meta = await admin.fetchTopicMetadata({ topics: [topic] });
  if (meta.topics[0].partitions.length !== 3) fail(`expected 3 partitions: ${JSON.stringify(meta)}`);

  // AlterConfigs (replaces the topic's overrides), then DescribeConfigs of that key.
  const resource = { type: ConfigResourceTypes.TOPIC, name: topic };
  await admin.alterConfigs({
    resources: [{ ...resource, configEntries: [{ name: 'retention.ms', value: '86400000' }] }],
  });
  const described = await admin.describeConfigs({
    includeSynonyms: false, resources: [{ ...resource, configNames: ['retention.ms'] }],
  });
  const entries = described.resources[0].configEntries;
  if (entries.length !== 1 || entries[0].configValue !== '86400000' || entries[0].isDefault)
    fail(`describeConfigs after alterConfigs: ${JSON.stringify(described)}`);

  const producer = kafka.producer();
  await producer.connect();
  const messages = [];
  for (let i = 0; i < total; ++i)
    messages.push({ key: `k${i}`, value: `value-${i}`, headers: { seq: String(i) } });
  const sent = await producer.send({ topic, acks: -1, messages });
  if (sent.some((r) => r.errorCode !== 0)) fail(`produce errors: ${JSON.stringify(sent)}`);
  await producer.disconnect();

  const consumer = kafka.consumer({ groupId, sessionTimeout: 10000, heartbeatInterval: 500 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  const seen = new Map();
  await new Promise((resolve, reject) => {
    const deadline = setTimeout(() => reject(new Error(`only ${seen.size}/${total} consumed`)), 60000);
    consumer.run({
      eachMessage: async ({ message }) => {
        const key = message.key.toString();
        if (message.value.toString() !== `value-${key.slice(1)}`) reject(new Error(`bad value for ${key}`));
        if (message.headers.seq.toString() !== key.slice(1)) reject(new Error(`bad header for ${key}`));
        seen.set(key, (seen.get(key) || 0) + 1);
        if (seen.size === total) {
          clearTimeout(deadline);
          resolve();
        }
      },
    }).catch(reject);
  });
  const duplicates = [...seen.values()].filter((n) => n > 1).length;
  await consumer.disconnect(); // commits and leaves the group

  const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
  const committed = offsets[0].partitions.reduce((sum, p) => sum + Number(p.offset), 0);
  if (committed !== total) fail(`committed offsets sum to ${committed}, want ${total}`);
  const groups = await admin.describeGroups([groupId]);
  const state = groups.groups[0].state;
  await admin.deleteTopics({ topics: [topic] });
  const remaining = await admin.listTopics();
  if (remaining.includes(topic)) fail('topic still listed after deleteTopics');
  await admin.disconnect();
  console.log(JSON.stringify({ consumed: seen.size, duplicates, committed, state }));
}

main().catch((e) => fail(e.stack || String(e)));
