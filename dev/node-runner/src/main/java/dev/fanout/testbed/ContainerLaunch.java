package dev.fanout.testbed;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarSource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns one container of a Pod into a local command line and environment, as a kubelet would into a container: the image's
 * entrypoint unless {@code command} is set, {@code $(VAR)} expansion, env from values, Secrets, ConfigMaps and the downward
 * API, and every volume mount path (and the termination message path) rewritten to the local directory standing for it.
 */
final class ContainerLaunch {
    private static final Pattern REF = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_.-]*)\\)");

    /** Why a container cannot be started; reported in the container status, as a kubelet would with CreateContainerConfigError. */
    static final class ConfigError extends Exception {
        final String reason;

        ConfigError(String reason, String message) {
            super(message);
            this.reason = reason;
        }
    }

    record Launch(List<String> argv, Map<String, String> env, Path workingDir, Path terminationMessageFile, Path logFile) {
    }

    private final KubernetesClient client;
    private final ImageMap images;

    ContainerLaunch(KubernetesClient client, ImageMap images) {
        this.client = client;
        this.images = images;
    }

    /**
     * @param mounts container mount path -> local directory or file standing for it
     */
    Launch resolve(Pod pod, Container c, Map<String, Path> mounts, Path podDir) throws ConfigError {
        String tmPath = c.getTerminationMessagePath() == null ? "/dev/termination-log" : c.getTerminationMessagePath();
        Path tmFile = podDir.resolve(c.getName() + ".termination-log");
        Map<String, Path> rewrites = new LinkedHashMap<>(mounts);
        rewrites.put(tmPath, tmFile);
        PathRewriter rewriter = new PathRewriter(rewrites);

        Map<String, String> env = new LinkedHashMap<>();
        if (c.getEnvFrom() != null) {
            for (EnvFromSource from : c.getEnvFrom()) {
                String prefix = from.getPrefix() == null ? "" : from.getPrefix();
                if (from.getConfigMapRef() != null) {
                    ConfigMap cm = configMap(pod, from.getConfigMapRef().getName(), from.getConfigMapRef().getOptional());
                    if (cm != null && cm.getData() != null) {
                        cm.getData().forEach((k, v) -> env.put(prefix + k, v));
                    }
                }
                if (from.getSecretRef() != null) {
                    Secret s = secret(pod, from.getSecretRef().getName(), from.getSecretRef().getOptional());
                    if (s != null && s.getData() != null) {
                        s.getData().forEach((k, v) -> env.put(prefix + k, decode(v)));
                    }
                }
            }
        }
        if (c.getEnv() != null) {
            for (EnvVar e : c.getEnv()) {
                String value = e.getValueFrom() != null ? valueFrom(pod, c, e.getName(), e.getValueFrom()) : expand(e.getValue(), env);
                if (value != null) {
                    env.put(e.getName(), rewriter.rewrite(value));
                }
            }
        }
        env.putIfAbsent("HOSTNAME", pod.getMetadata().getName());
        // A mapped image's program is on the container's PATH, as in the image itself: a container whose command is a
        // shell script (e.g. `sh -c 'energyplus ...'`) finds it.
        images.entrypoint(c.getImage()).filter(e -> !e.isEmpty() && e.get(0).startsWith("/")).ifPresent(e -> env.putIfAbsent("PATH",
                Path.of(e.get(0)).getParent() + ":" + System.getenv().getOrDefault("PATH", "/usr/bin:/bin")));

        List<String> argv = new ArrayList<>();
        List<String> command = c.getCommand() == null ? List.of() : c.getCommand();
        List<String> args = c.getArgs() == null ? List.of() : c.getArgs();
        if (command.isEmpty()) {
            List<String> entry = images.entrypoint(c.getImage()).orElseThrow(() -> new ConfigError("ImageNotMapped",
                    "image " + c.getImage() + " has no entry in the test-bed image map and the container sets no command"));
            if (entry.isEmpty()) {
                throw new ConfigError("ImageNotMapped", "image " + c.getImage() + " maps to an empty command");
            }
            argv.addAll(entry);
        } else {
            for (String s : command) {
                argv.add(rewriter.rewrite(expand(s, env)));
            }
        }
        for (String s : args) {
            argv.add(rewriter.rewrite(expand(s, env)));
        }
        Path workDir = c.getWorkingDir() == null ? podDir : Path.of(rewriter.rewrite(c.getWorkingDir()));
        return new Launch(argv, env, workDir, tmFile, podDir.resolve(c.getName() + ".log"));
    }

    private String valueFrom(Pod pod, Container c, String name, EnvVarSource src) throws ConfigError {
        if (src.getSecretKeyRef() != null) {
            var ref = src.getSecretKeyRef();
            Secret s = secret(pod, ref.getName(), ref.getOptional());
            String v = s == null || s.getData() == null ? null : s.getData().get(ref.getKey());
            if (v == null && s != null && s.getStringData() != null) {
                v = s.getStringData().get(ref.getKey());
                return v;
            }
            if (v == null && !Boolean.TRUE.equals(ref.getOptional())) {
                throw new ConfigError("CreateContainerConfigError", "couldn't find key " + ref.getKey() + " in Secret "
                        + pod.getMetadata().getNamespace() + "/" + ref.getName());
            }
            return v == null ? null : decode(v);
        }
        if (src.getConfigMapKeyRef() != null) {
            var ref = src.getConfigMapKeyRef();
            ConfigMap cm = configMap(pod, ref.getName(), ref.getOptional());
            String v = cm == null || cm.getData() == null ? null : cm.getData().get(ref.getKey());
            if (v == null && !Boolean.TRUE.equals(ref.getOptional())) {
                throw new ConfigError("CreateContainerConfigError", "couldn't find key " + ref.getKey() + " in ConfigMap "
                        + pod.getMetadata().getNamespace() + "/" + ref.getName());
            }
            return v;
        }
        if (src.getFieldRef() != null) {
            return fieldRef(pod, src.getFieldRef().getFieldPath());
        }
        if (src.getResourceFieldRef() != null) {
            var ref = src.getResourceFieldRef();
            String[] parts = ref.getResource().split("\\.", 2);
            var req = c.getResources();
            Map<String, Quantity> m = req == null ? null : "limits".equals(parts[0]) ? req.getLimits() : req.getRequests();
            Quantity q = m == null ? null : m.get(parts[1]);
            if (q == null) {
                return "cpu".equals(parts[1]) ? Integer.toString(Runtime.getRuntime().availableProcessors()) : "0";
            }
            var divisor = ref.getDivisor() == null ? new Quantity("1") : ref.getDivisor();
            var v = q.getNumericalAmount().divide(divisor.getNumericalAmount(), 0, java.math.RoundingMode.CEILING);
            return v.toPlainString();
        }
        throw new ConfigError("CreateContainerConfigError", "env " + name + ": unsupported valueFrom");
    }

    static String fieldRef(Pod pod, String path) throws ConfigError {
        var md = pod.getMetadata();
        Matcher m = Pattern.compile("metadata\\.(labels|annotations)\\['([^']+)']").matcher(path);
        if (m.matches()) {
            Map<String, String> map = "labels".equals(m.group(1)) ? md.getLabels() : md.getAnnotations();
            return map == null ? "" : map.getOrDefault(m.group(2), "");
        }
        return switch (path) {
            case "metadata.name" -> md.getName();
            case "metadata.namespace" -> md.getNamespace();
            case "metadata.uid" -> md.getUid();
            case "spec.nodeName" -> pod.getSpec().getNodeName();
            case "spec.serviceAccountName" -> pod.getSpec().getServiceAccountName();
            case "status.hostIP", "status.podIP", "status.hostIPs", "status.podIPs" -> "127.0.0.1";
            default -> throw new ConfigError("CreateContainerConfigError", "unsupported fieldRef " + path);
        };
    }

    /** Kubernetes' $(VAR) expansion: known names are replaced, $$ escapes, unknown references stay as they are. */
    static String expand(String s, Map<String, String> env) {
        if (s == null) {
            return "";
        }
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < s.length()) {
            if (s.startsWith("$$", i)) {
                out.append('$');
                i += 2;
                continue;
            }
            Matcher m = REF.matcher(s).region(i, s.length());
            if (m.lookingAt() && env.containsKey(m.group(1))) {
                out.append(env.get(m.group(1)));
                i = m.end();
                continue;
            }
            out.append(s.charAt(i++));
        }
        return out.toString();
    }

    private Secret secret(Pod pod, String name, Boolean optional) throws ConfigError {
        Secret s = client.secrets().inNamespace(pod.getMetadata().getNamespace()).withName(name).get();
        if (s == null && !Boolean.TRUE.equals(optional)) {
            throw new ConfigError("CreateContainerConfigError", "secret \"" + name + "\" not found");
        }
        return s;
    }

    private ConfigMap configMap(Pod pod, String name, Boolean optional) throws ConfigError {
        ConfigMap cm = client.configMaps().inNamespace(pod.getMetadata().getNamespace()).withName(name).get();
        if (cm == null && !Boolean.TRUE.equals(optional)) {
            throw new ConfigError("CreateContainerConfigError", "configmap \"" + name + "\" not found");
        }
        return cm;
    }

    private static String decode(String b64) {
        return new String(Base64.getDecoder().decode(b64), StandardCharsets.UTF_8);
    }

    /**
     * Rewrites container paths (mount points, the termination message path) to their local stand-ins in one pass, longest
     * first: a replacement is never rewritten again (a local path may itself start with a mount path such as /tmp).
     */
    static final class PathRewriter {
        private final Map<String, Path> byPath = new LinkedHashMap<>();
        private final Pattern pattern;

        PathRewriter(Map<String, Path> mounts) {
            List<String> paths = new ArrayList<>();
            mounts.forEach((k, v) -> {
                String from = trimSlash(k);
                byPath.put(from, v);
                paths.add(from);
            });
            paths.sort(Comparator.comparingInt(String::length).reversed());
            StringBuilder alt = new StringBuilder();
            for (String p : paths) {
                alt.append(alt.length() == 0 ? "" : "|").append(Pattern.quote(p));
            }
            // Only whole path components: "/data" must not touch "/database" or "/mnt/data".
            pattern = paths.isEmpty() ? null : Pattern.compile("(?<![\\w./-])(" + alt + ")(?=/|$|[^\\w.-])");
        }

        String rewrite(String s) {
            if (pattern == null) {
                return s;
            }
            Matcher m = pattern.matcher(s);
            StringBuilder out = new StringBuilder();
            while (m.find()) {
                m.appendReplacement(out, Matcher.quoteReplacement(byPath.get(m.group(1)).toString()));
            }
            m.appendTail(out);
            return out.toString();
        }

        private static String trimSlash(String p) {
            return p.length() > 1 && p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
        }
    }
}
