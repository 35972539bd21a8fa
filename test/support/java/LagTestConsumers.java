import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Members of one consumer group, made by Kafka's own Java client, for the oracle tests:
 *   java LagTestConsumers <bootstrap> <group> <topics,comma> <classic|consumer> <range|cooperative-sticky|-> <members> <stopAtOffset> [trace]
 * Each member consumes every assigned partition up to stopAtOffset, commits, then pauses it (still a
 * member, still heartbeating), so committed offsets and lag stay put while the tests compare tools.
 * SIGTERM closes every member (a graceful leave).
 */
public class LagTestConsumers {
  public static void main(String[] args) throws Exception {
    String bootstrap = args[0], group = args[1], protocol = args[3], assignor = args[4];
    List<String> topics = Arrays.asList(args[2].split(","));
    int members = Integer.parseInt(args[5]);
    long stopAt = Long.parseLong(args[6]);
    boolean trace = args.length > 7 && args[7].equals("trace");
    List<KafkaConsumer<byte[], byte[]>> consumers = new ArrayList<>();
    CountDownLatch done = new CountDownLatch(members);
    for (int i = 0; i < members; i++) {
      Properties p = new Properties();
      p.put("bootstrap.servers", bootstrap);
      p.put("group.id", group);
      p.put("group.protocol", protocol);
      p.put("client.id", group + "-member-" + i);
      p.put("key.deserializer", ByteArrayDeserializer.class.getName());
      p.put("value.deserializer", ByteArrayDeserializer.class.getName());
      p.put("enable.auto.commit", "false");
      p.put("auto.offset.reset", "earliest");
      if (protocol.equals("classic")) {
        p.put("partition.assignment.strategy", assignor.equals("cooperative-sticky")
            ? "org.apache.kafka.clients.consumer.CooperativeStickyAssignor"
            : "org.apache.kafka.clients.consumer.RangeAssignor");
        p.put("heartbeat.interval.ms", "1000");
        p.put("session.timeout.ms", "10000");
      }
      consumers.add(new KafkaConsumer<>(p));
    }
    for (KafkaConsumer<byte[], byte[]> consumer : consumers) {
      Thread t = new Thread(() -> run(consumer, topics, stopAt, trace, done));
      t.start();
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      for (KafkaConsumer<byte[], byte[]> c : consumers) c.wakeup();
      try { done.await(); } catch (InterruptedException e) { Thread.currentThread().interrupt(); }
    }));
    System.out.println("STARTED " + members);
    System.out.flush();
  }

  private static void run(KafkaConsumer<byte[], byte[]> consumer, List<String> topics, long stopAt, boolean trace, CountDownLatch done) {
    try {
      consumer.subscribe(topics, new ConsumerRebalanceListener() {
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {}
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
          System.out.println("ASSIGNED " + partitions);
          System.out.flush();
        }
      });
      while (true) {
        ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(50));
        // trace: when records were processed, for bench:rebalance's pause measurement
        if (trace && !records.isEmpty()) System.out.println("P " + System.currentTimeMillis() + " " + records.count());
        Map<TopicPartition, OffsetAndMetadata> commits = new HashMap<>();
        for (TopicPartition tp : records.partitions()) {
          long position = consumer.position(tp);
          commits.put(tp, new OffsetAndMetadata(Math.min(position, stopAt)));
          if (position > stopAt) consumer.seek(tp, stopAt);
        }
        // A commit racing a KIP-848 epoch bump (or a classic rebalance) fails; the member stays and
        // commits again on its next poll, as a real consumer would, instead of dying.
        if (!commits.isEmpty()) {
          try {
            consumer.commitSync(commits);
          } catch (CommitFailedException | RebalanceInProgressException e) {
            System.out.println("COMMIT RETRY " + e.getClass().getSimpleName());
            System.out.flush();
          }
        }
        List<TopicPartition> full = new ArrayList<>();
        for (TopicPartition tp : consumer.assignment()) {
          if (!consumer.paused().contains(tp) && consumer.position(tp) >= stopAt) full.add(tp);
        }
        if (!full.isEmpty()) consumer.pause(full);
      }
    } catch (WakeupException e) {
      // shutting down
    } finally {
      consumer.close();
      done.countDown();
    }
  }
}
