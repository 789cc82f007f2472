package dev.fanout.operator.tasks;

import dev.fanout.api.ExitCode;
import dev.fanout.api.WorkerContract;
import dev.fanout.operator.crds.v1alpha1.common.FanoutSpec;
import dev.fanout.operator.crds.v1alpha1.common.SecretKeys;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds the Job of one task attempt, per the contract in the design note: owned by the resource, labelled, a deterministic
 * name per task, spec fingerprint and attempt (so re-creating it after an operator restart is a no-op), a pod that passes
 * the restricted Pod Security Standard, exit code 2 failing the Job at once (podFailurePolicy), disruptions not counted,
 * database credentials only as secretKeyRef env.
 */
public final class TaskJobs {
    public static final String LABEL_OWNER = "fanout.dev/owner";
    public static final String LABEL_KIND = "fanout.dev/kind";
    public static final String LABEL_TASK = "fanout.dev/task";
    public static final String LABEL_ATTEMPT = "fanout.dev/attempt";
    public static final String LABEL_SPEC = "fanout.dev/spec-hash";
    /** On a pack's Job: its tasks, one {@code <id> <spec hash>} per line, in the pack's order. */
    public static final String ANNOTATION_PACK = "fanout.dev/pack";
    /** On a pack's pod: how many tasks it runs (for people and tools that look at pods, e.g. the test bed's kwok stages). */
    public static final String ANNOTATION_PACK_RUNS = "fanout.dev/pack-runs";
    /** The container that runs the worker's command; its termination message is the task's result. */
    public static final String WORKER_CONTAINER = "worker";

    private TaskJobs() {
    }

    /** Deletes a Job with its pods (in the background); one already gone is fine. */
    public static void delete(KubernetesClient client, Job j) {
        try {
            client.batch().v1().jobs().inNamespace(j.getMetadata().getNamespace()).withName(j.getMetadata().getName())
                    .withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                throw e;
            }
        }
    }

    static int attemptOf(Job j) {
        try {
            return Integer.parseInt(label(j, LABEL_ATTEMPT));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    static String label(Job j, String key) {
        return j.getMetadata().getLabels() == null ? "" : j.getMetadata().getLabels().getOrDefault(key, "");
    }

    /** A short, stable fingerprint of whatever decides a task's output. */
    public static String hash(Object... parts) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (Object p : parts) {
                md.update(String.valueOf(p).getBytes(StandardCharsets.UTF_8));
                md.update((byte) 0);
            }
            return HexFormat.of().formatHex(md.digest()).substring(0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {owner}-{task}-{hash}-{attempt}, shortened to fit the 63 characters a Job name may have (it becomes a pod label). */
    public static String jobName(String owner, String task, String specHash, int attempt) {
        String suffix = "-" + specHash.substring(0, 6) + "-" + attempt;
        String base = owner + "-" + task;
        int room = 63 - suffix.length();
        if (base.length() > room) {
            base = base.substring(0, room - 9) + "-" + hash(base).substring(0, 8);
        }
        return base.replaceAll("-+$", "") + suffix;
    }

    /**
     * One attempt's Job: a task's, or a pack's (then {@code members} lists its tasks and the id and spec hash are the pack's).
     */
    public record Task(String id, String specHash, int attempt, List<String> args, String kind, Layout layout, List<Member> members) {
        public Task(String id, String specHash, int attempt, List<String> args, String kind, Layout layout) {
            this(id, specHash, attempt, args, kind, layout, List.of());
        }
    }

    /** A task a Job runs: the Job's own (labels), or one of a pack's (annotation). */
    public record Member(String id, String specHash) {
    }

    /** The tasks a Job runs: the one its labels name, or a pack's, in order. */
    public static List<Member> members(Job j) {
        String pack = j.getMetadata().getAnnotations() == null ? null : j.getMetadata().getAnnotations().get(ANNOTATION_PACK);
        if (pack == null) {
            return List.of(new Member(label(j, LABEL_TASK), label(j, LABEL_SPEC)));
        }
        return pack.lines().map(l -> l.split(" ", 2)).filter(p -> p.length == 2).map(p -> new Member(p[0], p[1])).toList();
    }

    /** A pack's fingerprint: of its tasks' ids and spec hashes, in order (its Job's spec-hash label and name). */
    public static String packHash(List<Member> members) {
        return hash(members.stream().map(m -> m.id() + " " + m.specHash()).toArray());
    }

    public static boolean isPack(Job j) {
        return j.getMetadata().getAnnotations() != null && j.getMetadata().getAnnotations().containsKey(ANNOTATION_PACK);
    }

    /** A container that runs before the worker (an init container): the same restricted settings, resources and /tmp. */
    public record Step(String name, String image, List<String> command, List<String> args, List<EnvVar> env, List<VolumeMount> mounts) {
    }

    /**
     * What a task's pod has besides the worker container with its args: init containers run in order before it, volumes
     * (all containers share the /tmp emptyDir), mounts of the worker container, and a container started beside it
     * ({@code beside}, null: none) that holds the pod's resources while the worker requests none: the worker does its work
     * while that one waits for it and waits while that one works (a pack's engine), so the pod still asks for one task's.
     */
    public record Layout(List<Step> init, List<EnvVar> env, List<VolumeMount> mounts, List<Volume> volumes, Step beside) {
        public Layout(List<Step> init, List<EnvVar> env, List<VolumeMount> mounts, List<Volume> volumes) {
            this(init, env, mounts, volumes, null);
        }

        public static final Layout WORKER_ONLY = new Layout(List.of(), List.of(), List.of(), List.of());
        /** The worker alone, as a short JVM ({@link #SHORT_JVM}). */
        public static final Layout SHORT_WORKER = new Layout(List.of(), SHORT_JVM, List.of(), List.of());
    }

    /**
     * JVM options of a worker step with seconds of work (energy prepare and collect, a link, a small layer): compiling hot
     * code with C2 costs more CPU than it saves in so short a life, and that CPU is taken from the tasks running beside it
     * (prepare and collect use 35 % less CPU this way; a 46 MB GeoPackage layer 30 % less). Long loads keep C2.
     */
    public static final List<EnvVar> SHORT_JVM = List.of(new EnvVar("JDK_JAVA_OPTIONS", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC", null));

    public static Job build(TaskOwner taskOwner, Task task) {
        HasMetadata owner = taskOwner.resource();
        FanoutSpec spec = taskOwner.spec();
        String image = taskOwner.image();
        String name = jobName(owner.getMetadata().getName(), task.id(), task.specHash(), task.attempt());
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(LABEL_OWNER, owner.getMetadata().getName());
        labels.put(LABEL_KIND, task.kind());
        labels.put(LABEL_TASK, task.id());
        labels.put(LABEL_ATTEMPT, Integer.toString(task.attempt()));
        labels.put(LABEL_SPEC, task.specHash());
        labels.put("app.kubernetes.io/managed-by", "fanout-operator");
        String pullPolicy = spec.worker == null ? null : spec.worker.imagePullPolicy;
        ResourceRequirements resources = taskOwner.resources();
        List<Container> init = new ArrayList<>();
        for (Step step : task.layout().init()) {
            // Init containers run one at a time, so the pod's request is still `resources`.
            init.add(container(step.name(), step.image(), pullPolicy, step.command(), step.args(), step.env(), resources, step.mounts()));
        }
        List<Volume> volumes = new ArrayList<>();
        volumes.add(new VolumeBuilder().withName("tmp").withNewEmptyDir().endEmptyDir().build());
        volumes.addAll(task.layout().volumes());
        Map<String, String> annotations = task.members().isEmpty() ? null : Map.of(ANNOTATION_PACK,
                String.join("\n", task.members().stream().map(m -> m.id() + " " + m.specHash()).toList()));
        long timeout = spec.taskTimeoutSeconds != null ? spec.taskTimeoutSeconds : FanoutSpec.DEFAULTS.taskTimeoutSeconds;
        return new JobBuilder()
                .withNewMetadata().withName(name).withNamespace(owner.getMetadata().getNamespace()).withLabels(labels)
                .withAnnotations(annotations)
                .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion(owner.getApiVersion()).withKind(owner.getKind())
                        .withName(owner.getMetadata().getName()).withUid(owner.getMetadata().getUid()).withController(true)
                        .withBlockOwnerDeletion(true).build())
                .endMetadata()
                .withNewSpec()
                .withBackoffLimit(0) // retries are the operator's: each attempt is a new Job with its own name
                .withActiveDeadlineSeconds(timeout * Math.max(1, task.members().size())) // a pack: each of its tasks gets the timeout
                .withNewPodFailurePolicy()
                .addNewRule().withAction("FailJob").withNewOnExitCodes().withOperator("In").withValues(ExitCode.BAD_INPUT).endOnExitCodes().endRule()
                .addNewRule().withAction("Ignore").addNewOnPodCondition().withType("DisruptionTarget").withStatus("True").endOnPodCondition().endRule()
                .endPodFailurePolicy()
                .withNewTemplate()
                .withNewMetadata().withLabels(labels)
                .withAnnotations(task.members().isEmpty() ? null : Map.of(ANNOTATION_PACK_RUNS, Integer.toString(task.members().size())))
                .endMetadata()
                .withNewSpec()
                .withRestartPolicy("Never")
                .withAutomountServiceAccountToken(false)
                .withServiceAccountName(spec.serviceAccountName)
                .withPriorityClassName(spec.priorityClassName)
                .withNodeSelector(spec.nodeSelector)
                .withTolerations(spec.tolerations)
                .withNewSecurityContext().withRunAsNonRoot(true).withRunAsUser(10001L).withRunAsGroup(10001L).withFsGroup(10001L)
                .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile().endSecurityContext()
                .withInitContainers(init)
                .withContainers(containers(task.layout(), image, pullPolicy, task.args(), dbEnv(taskOwner.db()), resources))
                .withVolumes(volumes)
                .endSpec()
                .endTemplate()
                .endSpec()
                .build();
    }

    /** The worker container, first (the kubelet starts them in order), and the one beside it if any. */
    private static List<Container> containers(Layout layout, String image, String pullPolicy, List<String> args, List<EnvVar> db,
            ResourceRequirements resources) {
        Step beside = layout.beside();
        // Beside a container that holds the resources the worker requests none, explicitly: limits alone would make the
        // API server default its requests to them, and the pod would ask for two tasks' worth.
        ResourceRequirements worker = beside == null ? resources : new ResourceRequirementsBuilder()
                .withRequests(Map.of("cpu", new Quantity("0"), "memory", new Quantity("0"))).withLimits(resources.getLimits()).build();
        List<Container> out = new ArrayList<>();
        out.add(container(WORKER_CONTAINER, image, pullPolicy, null, args, concat(layout.env(), db), worker, layout.mounts()));
        if (beside != null) {
            out.add(container(beside.name(), beside.image(), pullPolicy, beside.command(), beside.args(), beside.env(), resources, beside.mounts()));
        }
        return out;
    }

    /** A container as the restricted Pod Security Standard wants it, with /tmp on the pod's emptyDir. */
    private static Container container(String name, String image, String pullPolicy, List<String> command, List<String> args,
            List<EnvVar> env, ResourceRequirements resources, List<VolumeMount> mounts) {
        List<VolumeMount> all = new ArrayList<>();
        all.add(new VolumeMountBuilder().withName("tmp").withMountPath("/tmp").build());
        all.addAll(mounts);
        return new ContainerBuilder()
                .withName(name).withImage(image).withImagePullPolicy(pullPolicy)
                .withCommand(command).withArgs(args)
                .withEnv(env)
                .withResources(resources)
                .withTerminationMessagePath(WorkerContract.RESULT_FILE).withTerminationMessagePolicy("FallbackToLogsOnError")
                .withNewSecurityContext().withAllowPrivilegeEscalation(false).withReadOnlyRootFilesystem(true)
                .withNewCapabilities().withDrop("ALL").endCapabilities().endSecurityContext()
                .withVolumeMounts(all)
                .build();
    }

    private static List<EnvVar> concat(List<EnvVar> a, List<EnvVar> b) {
        List<EnvVar> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    static List<EnvVar> dbEnv(SecretKeys db) {
        if (db == null) {
            return List.of();
        }
        return List.of(secretEnv(WorkerContract.ENV_DB_URL, db.name, db.urlKey), secretEnv(WorkerContract.ENV_DB_USER, db.name, db.userKey),
                secretEnv(WorkerContract.ENV_DB_PASSWORD, db.name, db.passwordKey));
    }

    private static EnvVar secretEnv(String env, String secret, String key) {
        return new EnvVarBuilder().withName(env).withNewValueFrom().withNewSecretKeyRef(key, secret, false).endValueFrom().build();
    }

    /**
     * What the API server accepted in spec.resources but is no quantity (the schema of these maps is int-or-string, and CEL
     * over them is refused by the rule cost budget): one message per value, naming the field and the fix.
     */
    public static List<String> resourceProblems(FanoutSpec spec) {
        List<String> out = new ArrayList<>();
        if (spec.resources != null) {
            for (var kind : List.of(Map.entry("requests", nullToEmpty(spec.resources.getRequests())),
                    Map.entry("limits", nullToEmpty(spec.resources.getLimits())))) {
                kind.getValue().forEach((name, q) -> {
                    if (!isQuantity(q)) {
                        out.add("spec.resources." + kind.getKey() + "." + name + ": '" + q + "' is not a quantity; write e.g. "
                                + ("cpu".equals(name) ? "500m or 2" : "768Mi or 1Gi"));
                    }
                });
            }
        }
        return out;
    }

    /** Whether Kubernetes would read this as a quantity (a number with an optional suffix: 500m, 2, 1Gi, 1e3). */
    public static boolean isQuantity(Quantity q) {
        try {
            Quantity.getAmountInBytes(q);
            return true;
        } catch (RuntimeException notAQuantity) {
            return false;
        }
    }

    private static Map<String, Quantity> nullToEmpty(Map<String, Quantity> m) {
        return m == null ? Map.of() : m;
    }

    /** The spec's resources; requests not given there come from the operator's defaults (fanout.task.default-*-request). */
    public static ResourceRequirements resources(FanoutSpec spec, Map<String, Quantity> defaultRequests) {
        Map<String, Quantity> requests = new LinkedHashMap<>(defaultRequests);
        Map<String, Quantity> limits = new LinkedHashMap<>();
        if (spec.resources != null) {
            if (spec.resources.getRequests() != null) {
                requests.putAll(spec.resources.getRequests());
            }
            if (spec.resources.getLimits() != null) {
                limits.putAll(spec.resources.getLimits());
            }
        }
        return new ResourceRequirementsBuilder().withRequests(requests).withLimits(limits.isEmpty() ? null : limits).build();
    }
}
