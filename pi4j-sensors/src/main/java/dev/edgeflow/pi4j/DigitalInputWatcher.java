package dev.edgeflow.pi4j;

import com.pi4j.context.Context;
import com.pi4j.io.IOType;
import com.pi4j.io.gpio.digital.DigitalInput;
import com.pi4j.io.gpio.digital.DigitalInputConfigBuilder;
import com.pi4j.io.gpio.digital.DigitalState;
import com.pi4j.io.gpio.digital.DigitalStateChangeEvent;
import com.pi4j.io.gpio.digital.DigitalStateChangeListener;
import com.pi4j.io.gpio.digital.PullResistance;
import dev.edgeflow.pi4j.internal.GpioProviders;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches one digital input (a PIR motion sensor, a button) and reports each debounced change to
 * listeners, for a sensor source to turn into event messages.
 *
 * <pre>{@code
 * DigitalInputWatcher button = DigitalInputWatcher.builder()
 *         .name("button").pin(27).pull(Pull.UP).activeLow(true) // to ground when pressed
 *         .build();
 * button.addListener(event -> log.info("{} is now {}", event.name(), event.active() ? "pressed" : "released"));
 * button.open(pi4j);
 * }</pre>
 *
 * <p><b>Debounce in Java.</b> A level change is reported only once the new level has stayed for
 * the debounce time; bounces shorter than that produce no event, and each accepted change is
 * reported once. The debounce runs here rather than in Pi4J, so that it behaves the same on every
 * provider: Pi4J's mock and linuxfs providers ignore their debounce setting, and gpiod's (10 ms
 * by default) would delay edges before this one sees them, so the watcher sets Pi4J's to zero.
 * A button needs some 20 to 50 ms (the default is 50); a PIR module already holds its output for
 * seconds, so {@link Duration#ZERO} suits it.
 *
 * <p><b>Threads.</b> Listeners are called one event at a time, in order, on the watcher's
 * scheduler thread (named {@code edgeflow-input-<name>}, a daemon), never on Pi4J's thread; a
 * listener that throws is logged and the others are still called. A slow listener delays later
 * events, it does not lose them.
 *
 * <p>The watcher opens its pin with the gpiod provider when the context has it, else with the
 * context's default digital input provider (the mock in tests).
 *
 * @since 0.1.0
 */
public final class DigitalInputWatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DigitalInputWatcher.class);

    /**
     * The pin's internal resistor.
     *
     * @since 0.1.0
     */
    public enum Pull {
        /** Pull up to 3.3 V: for a button or contact that connects the pin to ground. */
        UP(PullResistance.PULL_UP),
        /** Pull down to ground: for a button that connects the pin to 3.3 V. */
        DOWN(PullResistance.PULL_DOWN),
        /** No resistor: for a sensor that drives the pin itself, such as a PIR module. */
        OFF(PullResistance.OFF);

        private final PullResistance pi4j;

        Pull(PullResistance pi4j) {
            this.pi4j = pi4j;
        }
    }

    private final String name;
    private final int pin;
    private final Pull pull;
    private final Duration debounce;
    private final boolean activeLow;
    private final Clock clock;
    private final ScheduledExecutorService scheduler;
    private final boolean ownsScheduler;
    private final List<Consumer<InputEvent>> listeners = new CopyOnWriteArrayList<>();
    private final DigitalStateChangeListener pi4jListener = this::onEdge;

    // Guarded by this: the debounce state.
    private Context pi4j;
    private DigitalInput input;
    private boolean closed;
    private long generation;
    private boolean rawHigh;
    private Instant rawSince;
    private boolean reportedHigh;
    private ScheduledFuture<?> pending;

    private DigitalInputWatcher(Builder b) {
        this.name = b.name;
        this.pin = b.pin;
        this.pull = b.pull;
        this.debounce = b.debounce;
        this.activeLow = b.activeLow;
        this.clock = b.clock;
        this.ownsScheduler = b.scheduler == null;
        this.scheduler = b.scheduler != null ? b.scheduler : Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "edgeflow-input-" + b.name);
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Starts a watcher.
     *
     * @return a builder; {@link Builder#name(String)} and {@link Builder#pin(int)} are required
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Opens the pin and starts watching it. The level at this moment becomes the watcher's state
     * without an event; changes after it are reported.
     *
     * @param pi4j the Pi4J context to open the pin on
     * @return this watcher
     * @throws IllegalStateException if the watcher is already open or was closed
     * @throws SensorException (not retryable) if Pi4J cannot open the pin: it is in use, the
     *     context has no digital input provider, or the user may not open {@code /dev/gpiochip*}
     */
    public synchronized DigitalInputWatcher open(Context pi4j) {
        Objects.requireNonNull(pi4j, "pi4j");
        if (closed) {
            throw new IllegalStateException("input '" + name + "' (pin " + pin + ") is closed; build a new watcher");
        }
        if (input != null) {
            throw new IllegalStateException("input '" + name + "' (pin " + pin + ") is already open");
        }
        String provider = GpioProviders.preferred(pi4j, GpioProviders.GPIOD_DIGITAL_INPUT);
        DigitalInputConfigBuilder config = DigitalInput.newConfigBuilder(pi4j)
                .id(ioId())
                .name(name)
                .address(pin)
                .pull(pull.pi4j)
                .debounce(0L);
        if (provider != null) {
            config.provider(provider);
        }
        DigitalInput opened;
        try {
            opened = pi4j.create(config.build());
        } catch (RuntimeException e) {
            throw new SensorException("cannot open input '" + name + "' on GPIO " + pin + " with provider "
                    + GpioProviders.describe(pi4j, provider, IOType.DIGITAL_INPUT) + ": " + e.getMessage()
                    + "; check that no other program or output uses the pin and that the user is in the gpio "
                    + "group (read and write on /dev/gpiochip*)", false, e);
        }
        this.pi4j = pi4j;
        this.input = opened;
        this.rawHigh = opened.state() == DigitalState.HIGH;
        this.reportedHigh = rawHigh;
        this.rawSince = clock.instant();
        opened.addListener(pi4jListener);
        LOG.debug("input '{}' (pin {}) open, {}, debounce {} ms", name, pin, describeLevel(reportedHigh),
                debounce.toMillis());
        return this;
    }

    private String ioId() {
        return "edgeflow-input-" + name + "-gpio" + pin;
    }

    /**
     * Adds a listener for debounced changes. It is called on the watcher's thread, one event at a
     * time; see the class description.
     *
     * @param listener the listener, not null
     */
    public void addListener(Consumer<InputEvent> listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /**
     * Removes a listener. An event already being dispatched may still reach it.
     *
     * @param listener a listener given to {@link #addListener(Consumer)}
     * @return {@code true} if it was registered
     */
    public boolean removeListener(Consumer<InputEvent> listener) {
        return listeners.remove(listener);
    }

    /**
     * Tells whether the input is active now, as last reported: the debounced state, after
     * active-low inversion. Does not block on the hardware.
     *
     * @return {@code true} if pressed or motion seen
     * @throws IllegalStateException if the watcher has not been opened
     */
    public synchronized boolean isActive() {
        if (input == null && !closed) {
            throw new IllegalStateException("input '" + name + "' (pin " + pin + ") is not open; call open(context)");
        }
        return reportedHigh != activeLow;
    }

    /**
     * Returns the input's name.
     *
     * @return the name, such as {@code pir}
     */
    public String name() {
        return name;
    }

    /**
     * Returns the input's pin.
     *
     * @return the GPIO number (BCM)
     */
    public int pin() {
        return pin;
    }

    /** On Pi4J's thread: note the raw level, and decide about it once the debounce time has passed. */
    private void onEdge(DigitalStateChangeEvent<?> event) {
        DigitalState state = event.state();
        if (state != DigitalState.HIGH && state != DigitalState.LOW) {
            return;
        }
        synchronized (this) {
            if (closed) {
                return;
            }
            boolean high = state == DigitalState.HIGH;
            if (high == rawHigh) {
                return;
            }
            rawHigh = high;
            rawSince = clock.instant();
            long mine = ++generation;
            if (pending != null) {
                pending.cancel(false);
            }
            pending = scheduler.schedule(() -> settle(mine), debounce.toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    /** On the scheduler's thread: report the level if no edge came since the one that scheduled this. */
    private void settle(long scheduledBy) {
        InputEvent event;
        synchronized (this) {
            if (closed || scheduledBy != generation || rawHigh == reportedHigh) {
                return;
            }
            reportedHigh = rawHigh;
            event = InputEvent.of(name, pin, rawHigh != activeLow, rawHigh, rawSince);
        }
        LOG.debug("input '{}' (pin {}) is now {}", name, pin, describeLevel(event.high()));
        for (Consumer<InputEvent> listener : listeners) {
            try {
                listener.accept(event);
            } catch (RuntimeException e) {
                LOG.warn("a listener of input '{}' (pin {}) failed on {}; the other listeners still get it", name,
                        pin, event, e);
            }
        }
    }

    private String describeLevel(boolean high) {
        return (high != activeLow ? "active" : "inactive") + " (" + (high ? "high" : "low") + ")";
    }

    /**
     * Stops watching: no listener is called after this returns (except one already running), the
     * pin is released, and the watcher's own thread ends. Idempotent; does not throw.
     */
    @Override
    public void close() {
        DigitalInput toRelease;
        Context context;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            if (pending != null) {
                pending.cancel(false);
            }
            toRelease = input;
            context = pi4j;
            input = null;
        }
        listeners.clear();
        if (ownsScheduler) {
            scheduler.shutdownNow();
        }
        if (toRelease != null) {
            toRelease.removeListener(pi4jListener);
            try {
                context.registry().remove(toRelease.id());
            } catch (RuntimeException e) {
                // Pi4J already shut down the context (and the pin with it), or cannot release it: nothing left to do.
                LOG.debug("input '{}' (pin {}): releasing the pin: {}", name, pin, e.toString());
            }
        }
    }

    @Override
    public String toString() {
        return "DigitalInputWatcher{" + name + ", pin " + pin + ", pull " + pull + ", debounce " + debounce.toMillis()
                + " ms" + (activeLow ? ", active low" : "") + "}";
    }

    /**
     * Builds a {@link DigitalInputWatcher}. Not thread-safe.
     *
     * @since 0.1.0
     */
    public static final class Builder {
        private String name;
        private int pin = -1;
        private Pull pull = Pull.OFF;
        private Duration debounce = Duration.ofMillis(50);
        private boolean activeLow;
        private Clock clock = Clock.systemUTC();
        private ScheduledExecutorService scheduler;

        private Builder() {
        }

        /**
         * Names the input: the name in its events, such as {@code pir} or {@code button}.
         *
         * @param name not empty
         * @return this builder
         */
        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /**
         * Sets the pin.
         *
         * @param bcm the GPIO number (BCM, as in {@code GPIO17}), not the header's pin number; 0 or more
         * @return this builder
         */
        public Builder pin(int bcm) {
            this.pin = bcm;
            return this;
        }

        /**
         * Sets the pin's resistor.
         *
         * @param pull by default {@link Pull#OFF}
         * @return this builder
         */
        public Builder pull(Pull pull) {
            this.pull = Objects.requireNonNull(pull, "pull");
            return this;
        }

        /**
         * Sets how long a new level must stay before it is reported.
         *
         * @param debounce 0 or more; by default 50 ms; {@link Duration#ZERO} reports every change
         * @return this builder
         */
        public Builder debounce(Duration debounce) {
            this.debounce = Objects.requireNonNull(debounce, "debounce");
            return this;
        }

        /**
         * Says the input is active when its pin is low, as a button to ground with a pull-up is.
         *
         * @param activeLow by default {@code false}: high is active
         * @return this builder
         */
        public Builder activeLow(boolean activeLow) {
            this.activeLow = activeLow;
            return this;
        }

        /**
         * Sets the clock that timestamps events.
         *
         * @param clock by default the system clock in UTC
         * @return this builder
         */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Sets the scheduler that times the debounce and calls the listeners; it must run one task
         * at a time for events to arrive in order. The watcher does not shut down a scheduler it
         * was given.
         *
         * @param scheduler a single-threaded scheduler; by default the watcher starts its own
         * @return this builder
         */
        public Builder scheduler(ScheduledExecutorService scheduler) {
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
            return this;
        }

        /**
         * Builds the watcher; it watches nothing until {@link DigitalInputWatcher#open(Context)}.
         *
         * @return the watcher
         * @throws IllegalArgumentException if the name is missing or empty, the pin is missing or
         *     negative, or the debounce is negative
         */
        public DigitalInputWatcher build() {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("input name is " + (name == null ? "missing" : "empty")
                        + ": name it, such as name(\"button\")");
            }
            if (pin < 0) {
                throw new IllegalArgumentException("input '" + name + "' has " + (pin == -1 ? "no pin" : "pin " + pin)
                        + ": set pin(bcm) to its GPIO number, such as pin(17)");
            }
            if (debounce.isNegative()) {
                throw new IllegalArgumentException("input '" + name + "' has debounce " + debounce
                        + ": use Duration.ZERO or more");
            }
            return new DigitalInputWatcher(this);
        }
    }
}
