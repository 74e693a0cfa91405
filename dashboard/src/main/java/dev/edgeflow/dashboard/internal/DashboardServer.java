package dev.edgeflow.dashboard.internal;

import com.sun.net.httpserver.HttpServer;
import dev.edgeflow.core.Message;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running dashboard: the JDK HTTP server on a bounded pool, the event hub and the alert list.
 *
 * <p>The pool has {@code threads} threads for requests plus one for each stream client the hub
 * admits, so that connected streams can never starve the API. Requests beyond the pool's queue
 * are refused, and the JDK server closes their connections.
 */
public final class DashboardServer {
    private static final Logger LOG = LoggerFactory.getLogger(DashboardServer.class);
    private static final int QUEUED_REQUESTS = 64;
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    private final HttpServer server;
    private final ThreadPoolExecutor executor;
    private final EventHub hub;
    private final AlertBook alerts;
    private final LiveMessages live;
    private final URI url;
    private final int port;
    private final AtomicLong skipped = new AtomicLong();
    private final AtomicBoolean closed = new AtomicBoolean();

    private DashboardServer(HttpServer server, ThreadPoolExecutor executor, EventHub hub, AlertBook alerts,
            LiveMessages live) {
        this.server = server;
        this.live = live;
        this.executor = executor;
        this.hub = hub;
        this.alerts = alerts;
        InetSocketAddress address = server.getAddress();
        this.port = address.getPort();
        this.url = url(address);
    }

    /**
     * Binds and starts the server.
     *
     * @throws UncheckedIOException if it cannot listen, naming the address and port
     */
    public static DashboardServer start(DashboardConfig config) {
        InetSocketAddress address;
        try {
            address = new InetSocketAddress(InetAddress.getByName(config.bindAddress()), config.port());
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("bindAddress " + config.bindAddress() + " is not an address of this "
                    + "machine: " + e.getMessage() + "; give an IP address such as 127.0.0.1", e);
        }
        HttpServer server;
        try {
            server = HttpServer.create(address, 0);
        } catch (IOException e) {
            throw new UncheckedIOException("the dashboard could not listen on " + config.bindAddress() + ":"
                    + config.port() + ": " + e.getMessage() + "; choose another port, or port(0) for a free one", e);
        }
        int threads = config.threads() + config.maxStreamClients();
        ThreadPoolExecutor executor = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(QUEUED_REQUESTS), threadFactory(INSTANCES.incrementAndGet()),
                new ThreadPoolExecutor.AbortPolicy());
        executor.allowCoreThreadTimeOut(true);
        EventHub hub = new EventHub(config.maxStreamClients(), config.streamQueueCapacity(), config.heartbeat());
        AlertBook alerts = new AlertBook(config.maxAlerts());
        StoreApi api = new StoreApi(config.queries(), config.clock(), config.zone());
        server.createContext("/", new RequestHandler(api, alerts, hub, config.corsOrigins(),
                config.maxStreamClients()));
        server.setExecutor(executor);
        server.start();
        DashboardServer dashboard = new DashboardServer(server, executor, hub, alerts,
                new LiveMessages(config.clock()));
        LOG.info("dashboard listening on {}", dashboard.url);
        return dashboard;
    }

    public URI url() {
        return url;
    }

    public int port() {
        return port;
    }

    public void publishReading(Message reading) {
        if (closed.get()) {
            return;
        }
        try {
            live.reading(reading).ifPresentOrElse(json -> hub.publish("reading", json),
                    skipped::incrementAndGet);
        } catch (RuntimeException e) {
            // A tap must not fail the pipeline over a dashboard; count it like a reading it cannot show.
            skipped.incrementAndGet();
            LOG.debug("dashboard could not show reading {}: {}", reading.id(), e.toString());
        }
    }

    public void publishAlert(Message alert) {
        if (closed.get()) {
            return;
        }
        try {
            live.alert(alert).ifPresentOrElse(json -> {
                alerts.add(json);
                hub.publish("alert", json);
            }, skipped::incrementAndGet);
        } catch (RuntimeException e) {
            skipped.incrementAndGet();
            LOG.debug("dashboard could not show alert {}: {}", alert.id(), e.toString());
        }
    }

    public int streamClientCount() {
        return hub.clientCount();
    }

    public long droppedEventCount() {
        return hub.droppedCount();
    }

    public long skippedMessageCount() {
        return skipped.get();
    }

    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        hub.close();
        // Streams end as soon as their loop sees the hub closed; stop(0) then closes every
        // connection, which also frees a stream thread stuck writing to a client that stopped reading.
        server.stop(0);
        executor.shutdown();
        try {
            if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
                executor.shutdownNow();
                LOG.warn("dashboard threads did not end within 5 s of close; interrupted them");
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
        LOG.info("dashboard on {} closed", url);
    }

    private static URI url(InetSocketAddress address) {
        InetAddress ip = address.getAddress();
        String host;
        if (ip.isAnyLocalAddress()) {
            host = "localhost";
        } else if (ip instanceof java.net.Inet6Address) {
            String text = ip.getHostAddress();
            int scope = text.indexOf('%');
            host = "[" + (scope < 0 ? text : text.substring(0, scope)) + "]";
        } else {
            host = ip.getHostAddress();
        }
        return URI.create("http://" + host + ":" + address.getPort() + "/");
    }

    private static ThreadFactory threadFactory(int instance) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, "edgeflow-dashboard-" + instance + "-" + count.incrementAndGet());
            // The dashboard shows a pipeline; it should not be what keeps a finished program alive.
            thread.setDaemon(true);
            return thread;
        };
    }
}
