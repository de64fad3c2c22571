package dev.latchkey.gateway.kube;

import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.core.session.StreamKind;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The attributes the API server itself derives, for every shape of path kubectl and others use. */
class KubeRequestParserTest {

  private static KubeRequest parsed(String method, String pathAndQuery) {
    int q = pathAndQuery.indexOf('?');
    String path = q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
    String query = q < 0 ? "" : pathAndQuery.substring(q + 1);
    KubeRequestParser.Result result = KubeRequestParser.parse(method, path, query);
    assertThat(result).as(pathAndQuery).isInstanceOf(KubeRequestParser.Result.Parsed.class);
    return ((KubeRequestParser.Result.Parsed) result).request();
  }

  private static String malformed(String method, String pathAndQuery) {
    int q = pathAndQuery.indexOf('?');
    String path = q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
    String query = q < 0 ? "" : pathAndQuery.substring(q + 1);
    KubeRequestParser.Result result = KubeRequestParser.parse(method, path, query);
    assertThat(result).as(pathAndQuery).isInstanceOf(KubeRequestParser.Result.Malformed.class);
    return ((KubeRequestParser.Result.Malformed) result).reason();
  }

  /** method, path, verb, group, version, resource, namespace, name, subresource ("-" = none) */
  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({
    // core group, namespaced
    "GET,    /api/v1/namespaces/default/pods,                 list,   '', v1, pods, default, -, -",
    "GET,    /api/v1/namespaces/default/pods/web-1,           get,    '', v1, pods, default, web-1,"
        + " -",
    "GET,    /api/v1/namespaces/default/pods/web-1/log,       get,    '', v1, pods, default, web-1,"
        + " log",
    "GET,    /api/v1/namespaces/default/pods?watch=true,      watch,  '', v1, pods, default, -, -",
    "GET,    /api/v1/namespaces/default/pods?watch=1,         watch,  '', v1, pods, default, -, -",
    "GET,    /api/v1/namespaces/default/pods?watch=,          watch,  '', v1, pods, default, -, -",
    "GET,    /api/v1/namespaces/default/pods?watch=false,     list,   '', v1, pods, default, -, -",
    "GET,    /api/v1/namespaces/default/pods?watch=FALSE,     list,   '', v1, pods, default, -, -",
    "GET,    /api/v1/namespaces/default/pods?watch=0,         list,   '', v1, pods, default, -, -",
    "POST,   /api/v1/namespaces/default/pods,                 create, '', v1, pods, default, -, -",
    "PUT,    /api/v1/namespaces/default/pods/web-1,           update, '', v1, pods, default, web-1,"
        + " -",
    "PATCH,  /api/v1/namespaces/default/pods/web-1,           patch,  '', v1, pods, default, web-1,"
        + " -",
    "DELETE, /api/v1/namespaces/default/pods/web-1,           delete, '', v1, pods, default, web-1,"
        + " -",
    "DELETE, /api/v1/namespaces/default/pods,       deletecollection, '', v1, pods, default, -, -",
    "HEAD,   /api/v1/namespaces/default/pods/web-1,           get,    '', v1, pods, default, web-1,"
        + " -",
    "POST,   /api/v1/namespaces/default/pods/web-1/exec,      create, '', v1, pods, default, web-1,"
        + " exec",
    "GET,    /api/v1/namespaces/default/pods/web-1/exec,      get,    '', v1, pods, default, web-1,"
        + " exec",
    "POST,   /api/v1/namespaces/default/pods/web-1/eviction,  create, '', v1, pods, default, web-1,"
        + " eviction",
    "GET,    /api/v1/namespaces/default/pods/web-1/proxy/a/b, get,    '', v1, pods, default, web-1,"
        + " proxy",
    // named groups
    "GET,    /apis/apps/v1/namespaces/shop/deployments,       list,   apps, v1, deployments, shop,"
        + " -, -",
    "PUT,    /apis/apps/v1/namespaces/shop/deployments/api/scale, update, apps, v1, deployments,"
        + " shop, api, scale",
    "PATCH,  /apis/apps/v1/namespaces/shop/deployments/api/scale, patch, apps, v1, deployments,"
        + " shop, api, scale",
    "GET,    /apis/batch/v1/namespaces/shop/jobs/nightly/status, get, batch, v1, jobs, shop,"
        + " nightly, status",
    "GET,    /apis/apps/v1/deployments,                       list,   apps, v1, deployments, -, -,"
        + " -",
    // cluster-wide and cluster-scoped
    "GET,    /api/v1/pods,                                    list,   '', v1, pods, -, -, -",
    "GET,    /api/v1/pods?watch=true&resourceVersion=10,      watch,  '', v1, pods, -, -, -",
    "GET,    /api/v1/nodes/kit-node,                          get,    '', v1, nodes, -, kit-node,"
        + " -",
    "PATCH,  /api/v1/nodes/kit-node,                          patch,  '', v1, nodes, -, kit-node,"
        + " -",
    "GET,    /api/v1/nodes/kit-node/proxy/logs,               get,    '', v1, nodes, -, kit-node,"
        + " proxy",
    "POST,   /apis/rbac.authorization.k8s.io/v1/clusterrolebindings, create,"
        + " rbac.authorization.k8s.io, v1, clusterrolebindings, -, -, -",
    // the namespaces resource itself: its namespace is the one it names
    "GET,    /api/v1/namespaces,                              list,   '', v1, namespaces, -, -, -",
    "GET,    /api/v1/namespaces/latchkey,                     get,    '', v1, namespaces, latchkey,"
        + " latchkey, -",
    "DELETE, /api/v1/namespaces/latchkey,                     delete, '', v1, namespaces, latchkey,"
        + " latchkey, -",
    "PUT,    /api/v1/namespaces/latchkey/status,              update, '', v1, namespaces, latchkey,"
        + " latchkey, status",
    "PUT,    /api/v1/namespaces/latchkey/finalize,            update, '', v1, namespaces, latchkey,"
        + " latchkey, finalize",
    // the old /watch/ and /proxy/ prefixes
    "GET,    /api/v1/watch/namespaces/latchkey/pods,          watch,  '', v1, pods, latchkey, -, -",
    "GET,    /api/v1/watch/namespaces/latchkey/pods/p,        watch,  '', v1, pods, latchkey, p, -",
    "GET,    /api/v1/watch/pods,                              watch,  '', v1, pods, -, -, -",
    "GET,    /api/v1/proxy/namespaces/latchkey/pods/p/x/y,    proxy,  '', v1, pods, latchkey, p, -",
    // a trailing slash is trimmed, as the API server trims it
    "GET,    /api/v1/namespaces/default/pods/,                list,   '', v1, pods, default, -, -",
    // percent-encoding decodes before the reading
    "GET,    /api/v1/namespaces/latch%6Bey/pods/p%2D1,        get,    '', v1, pods, latchkey, p-1,"
        + " -",
  })
  void resourceRequests(
      String method,
      String path,
      String verb,
      String group,
      String version,
      String resource,
      String namespace,
      String name,
      String subresource) {
    KubeRequest r = parsed(method, path);

    assertThat(r.resourceRequest()).isTrue();
    assertThat(r.verb()).isEqualTo(verb);
    assertThat(r.apiGroup()).isEqualTo(group);
    assertThat(r.apiVersion()).isEqualTo(version);
    assertThat(r.resource()).isEqualTo(resource);
    assertThat(r.namespace()).isEqualTo(optional(namespace));
    assertThat(r.name()).isEqualTo(optional(name));
    assertThat(r.subresource()).isEqualTo(optional(subresource));
  }

  private static Optional<String> optional(String value) {
    return value.equals("-") ? Optional.empty() : Optional.of(value);
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({
    "GET, /, get, /",
    "GET, /api, get, /api",
    "GET, /api/v1, get, /api/v1",
    "GET, /apis, get, /apis",
    "GET, /apis/apps, get, /apis/apps",
    "GET, /apis/apps/v1, get, /apis/apps/v1",
    "GET, /version, get, /version",
    "GET, /openapi/v2, get, /openapi/v2",
    "GET, /healthz/etcd, get, /healthz/etcd",
    "POST, /logs/x, post, /logs/x",
  })
  void nonResourceRequests(String method, String path, String verb, String described) {
    KubeRequest r = parsed(method, path);

    assertThat(r.resourceRequest()).isFalse();
    assertThat(r.verb()).isEqualTo(verb);
    assertThat(r.namespace()).isEmpty();
    assertThat(r.describedResource()).isEqualTo(described);
    assertThat(r.streamKind()).isEmpty();
  }

  @Test
  void aFieldSelectorOnTheNameNamesTheObject() {
    KubeRequest r =
        parsed(
            "GET",
            "/api/v1/namespaces/default/pods?fieldSelector=metadata.name%3Dweb-1&watch=true");

    assertThat(r.verb()).isEqualTo("watch");
    assertThat(r.name()).hasValue("web-1");
    assertThat(parsed("GET", "/api/v1/pods?fieldSelector=metadata.name!%3Dweb-1").name()).isEmpty();
    assertThat(parsed("GET", "/api/v1/pods?fieldSelector=metadata.name%3D%3Da,x%3Dy").name())
        .hasValue("a");
  }

  @Test
  void anExecSaysItsCommandContainerAndTerminal() {
    KubeRequest r =
        parsed(
            "POST",
            "/api/v1/namespaces/shop/pods/web-1/exec?command=sh&command=-c&command=echo+hi%20there"
                + "&container=main&stdin=true&stdout=true&tty=true");

    assertThat(r.streamKind()).hasValue(StreamKind.EXEC);
    assertThat(r.command()).containsExactly("sh", "-c", "echo hi there");
    assertThat(r.container()).hasValue("main");
    assertThat(r.stdin()).isTrue();
    assertThat(r.stdout()).isTrue();
    assertThat(r.tty()).isTrue();
  }

  @Test
  void anExecsArgumentsMayHoldAnyText() {
    KubeRequest r =
        parsed("POST", "/api/v1/namespaces/a/pods/p/exec?command=sh&command=-c&command=a%0Ab%09c");

    assertThat(r.command()).containsExactly("sh", "-c", "a\nb\tc");
  }

  @Test
  void attachAndPortForwardAreStreams() {
    assertThat(parsed("POST", "/api/v1/namespaces/a/pods/p/attach?stdin=1").streamKind())
        .hasValue(StreamKind.ATTACH);
    assertThat(parsed("GET", "/api/v1/namespaces/a/pods/p/portforward?ports=80").streamKind())
        .hasValue(StreamKind.PORT_FORWARD);
    assertThat(parsed("GET", "/api/v1/namespaces/a/pods/p/log?follow=true").streamKind()).isEmpty();
    assertThat(parsed("POST", "/api/v1/namespaces/a/services/p/exec").streamKind()).isEmpty();
    assertThat(parsed("POST", "/apis/x.io/v1/namespaces/a/pods/p/exec").streamKind()).isEmpty();
  }

  @Test
  void aCommandIsReadOnlyForStreams() {
    KubeRequest r = parsed("GET", "/api/v1/namespaces/a/pods?command=rm&tty=true");

    assertThat(r.command()).isEmpty();
    assertThat(r.tty()).isFalse();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "/api/v1/namespaces/latchkey/../default/pods",
        "/api/v1/namespaces/default/./pods",
        "/api/v1/namespaces/%2e%2e/pods",
        "/api/v1/namespaces/.%2E/pods",
        "/api/v1/namespaces/latchkey%2Fpods",
        "/api/v1/namespaces/latchkey%2fpods/x",
        "/api/v1/namespaces/a%5Cb/pods",
        "/api/v1/namespaces/a\\b/pods",
        "/api/v1//namespaces/latchkey/pods",
        "/api/v1/namespaces/latchkey/pods//",
        "/api/v1/namespaces/%00/pods",
        "/api/v1/namespaces/a%0Ab/pods",
        "/api/v1/namespaces/a%/pods",
        "/api/v1/namespaces/a%zz/pods",
        "/api/v1/namespaces/a%C3/pods",
        "/api/v1/namespaces/a b/pods",
        "/api/v1/namespaces/a#b/pods",
        "api/v1/pods",
        "",
        "/api/v1/watch",
        "/api/v1/pods?watch=true;watch=false",
        "/api/v1/pods?fieldSelector=%zz",
        "/api/v1/pods?a=\n",
      })
  void pathsThatCouldBeReadTwoWaysAreRefused(String pathAndQuery) {
    assertThat(malformed("GET", pathAndQuery)).isNotBlank();
  }

  @Test
  void aSegmentOfPercentEncodedUtf8Decodes() {
    assertThat(parsed("GET", "/api/v1/namespaces/caf%C3%A9/pods").namespace()).hasValue("café");
  }

  @Test
  void anUnknownMethodKeepsItsNameAsVerb() {
    assertThat(parsed("OPTIONS", "/api/v1/pods/x").verb()).isEqualTo("options");
  }

  @Test
  void theDescribedResourceNamesTheGroup() {
    assertThat(parsed("GET", "/apis/apps/v1/deployments").describedResource())
        .isEqualTo("deployments.apps");
    assertThat(parsed("GET", "/api/v1/pods").describedResource()).isEqualTo("pods");
    assertThat(parsed("GET", "/api/v1/pods").command()).isEqualTo(List.of());
  }
}
