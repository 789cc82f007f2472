package dev.fanout.testbed;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Fanout test-bed node runner: NOT a kubelet. It registers one Node, keeps it Ready, and runs the Pods the real
 * scheduler binds to it as local processes (see {@link PodRun}). It reads KUBECONFIG like any client.
 *
 * <pre>java -jar fanout-node-runner.jar [--node-name=fanout-local] [--cpu=N] [--memory=QTY] [--pods=110]
 *     [--images=dev/node-runner/images.conf] [--work-dir=DIR] [--labels=k=v,...]</pre>
 */
public final class NodeRunner {
    private static final Logger LOG = LoggerFactory.getLogger(NodeRunner.class);

    private NodeRunner() {
    }

    public static void main(String[] args) throws Exception {
        RunnerConfig config;
        ImageMap images;
        try {
            config = RunnerConfig.parse(args);
            images = ImageMap.load(config.imagesFile(), System.getenv());
        } catch (IllegalArgumentException | java.io.IOException e) {
            System.err.println("fanout-node-runner: " + e.getMessage());
            System.exit(2);
            return;
        }
        KubernetesClient client = new KubernetesClientBuilder().build();
        LocalNode node = new LocalNode(client, config);
        node.register();
        var heartbeat = Executors.newSingleThreadScheduledExecutor();
        heartbeat.scheduleWithFixedDelay(node::heartbeat, 10, 10, TimeUnit.SECONDS);
        PodSupervisor supervisor = new PodSupervisor(client, config, images);
        supervisor.start();
        LOG.info("node {} ready: cpu={} memory={} pods={}, work dir {}", config.nodeName(), config.cpu(), config.memory(),
                config.pods(), config.workDir());
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            supervisor.stopAll();
            heartbeat.shutdownNow();
            done.countDown();
        }));
        done.await();
    }
}
