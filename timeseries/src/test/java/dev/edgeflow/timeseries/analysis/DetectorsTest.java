package dev.edgeflow.timeseries.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.time.Instant;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DetectorsTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void thresholdFlagsValuesAboveTheLimitOnly() {
        Detector.Series s = Detectors.above("temperature", 35).newSeries();
        assertThat(s.next(35.0, T0).anomalous()).isFalse();
        Verdict v = s.next(36.2, T0);
        assertThat(v.anomalous()).isTrue();
        assertThat(v.expectedMax()).isEqualTo(35.0);
        assertThat(v.expectedMin()).isEqualTo(Double.NEGATIVE_INFINITY);
        assertThat(v.reason()).isEqualTo("temperature 36.2 is above 35");
    }

    @Test
    void rangeFlagsBothSides() {
        Detector.Series s = Detectors.outside("humidity", 20, 80).newSeries();
        assertThat(s.next(19.5, T0).reason()).isEqualTo("humidity 19.5 is below 20");
        assertThat(s.next(50, T0).anomalous()).isFalse();
        assertThatThrownBy(() -> Detectors.outside("humidity", 80, 20)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("min 80.0 must not be above max 20.0");
    }

    @Test
    void rateOfChangeScalesTheAllowedChangeWithTheTimeBetweenReadings() {
        Detector.Series s = Detectors.rateOfChange("temperature", 2, Duration.ofMinutes(1)).newSeries();
        assertThat(s.next(20, T0)).as("nothing to compare with yet").isNull();
        // 30 s later, 1 degree is allowed: 20.9 is normal, with the range 19..21.
        Verdict normal = s.next(20.9, T0.plusSeconds(30));
        assertThat(normal.anomalous()).isFalse();
        assertThat(normal.expectedMin()).isCloseTo(19.0, within(1e-9));
        assertThat(normal.expectedMax()).isCloseTo(21.0, within(1e-9));
        // 10 s after that, 3 degrees is 18 per minute.
        Verdict jump = s.next(23.9, T0.plusSeconds(40));
        assertThat(jump.anomalous()).isTrue();
        assertThat(jump.reason()).isEqualTo("temperature changed by 3 in 10 s (18 per minute), more than 2 per minute");
    }

    @Test
    void rateOfChangeDoesNotJudgeOutOfOrderReadings() {
        Detector.Series s = Detectors.rateOfChange("temperature", 2, Duration.ofMinutes(1)).newSeries();
        s.next(20, T0.plusSeconds(60));
        assertThat(s.next(90, T0)).as("earlier than the last").isNull();
        assertThat(s.next(90, T0.plusSeconds(60))).as("same time").isNull();
        assertThat(s.next(20.5, T0.plusSeconds(120)).anomalous()).as("compared with 20, not with 90").isFalse();
    }

    @Test
    void zScoreWaitsForItsWarmUpThenFlagsOutliersOfTheWindow() {
        Detector.Series s = Detectors.zScore("temperature", 10, 5, 3).newSeries();
        double[] normal = {20, 21, 20, 21, 20};
        for (double v : normal) {
            assertThat(s.next(v, T0)).isNull();
        }
        // mean 20.4, population sd 0.4899: the range is 20.4 ± 1.4697.
        Verdict inRange = s.next(21.5, T0);
        assertThat(inRange.anomalous()).isFalse();
        assertThat(inRange.expectedMin()).isCloseTo(20.4 - 3 * Math.sqrt(0.24), within(1e-9));
        assertThat(inRange.expectedMax()).isCloseTo(20.4 + 3 * Math.sqrt(0.24), within(1e-9));

        Verdict spike = s.next(38, T0);
        assertThat(spike.anomalous()).isTrue();
        assertThat(spike.reason()).startsWith("temperature 38 is ").contains("standard deviations from the mean of "
                + "the last 6");
    }

    @Test
    void zScoreForgetsValuesThatLeftTheWindow() {
        Detector.Series s = Detectors.zScore("temperature", 3, 3, 3).newSeries();
        s.next(100, T0);
        s.next(0, T0);
        s.next(0, T0);
        s.next(0, T0); // 100 leaves the window
        Verdict v = s.next(0, T0);
        assertThat(v.expectedMin()).isZero();
        assertThat(v.expectedMax()).isZero();
        assertThat(s.next(0.1, T0).anomalous()).as("any change from a flat baseline").isTrue();
    }

    @Test
    void zScoreFlagsTheSpikesOfNoisyDataAndLittleElse() {
        Detector.Series s = Detectors.zScore("temperature", 60, 30, 4).newSeries();
        Random random = new Random(7);
        int falseAlarms = 0;
        int caught = 0;
        for (int i = 0; i < 2000; i++) {
            boolean spike = i > 100 && i % 97 == 0;
            double value = spike ? 40 : 22 + random.nextGaussian() * 0.3;
            Verdict v = s.next(value, T0.plusSeconds(i));
            if (v != null && v.anomalous()) {
                if (spike) {
                    caught++;
                } else {
                    falseAlarms++;
                }
            }
        }
        assertThat(caught).isEqualTo(19);
        assertThat(falseAlarms).isLessThan(5);
    }

    @Test
    void ewmaFollowsDriftButFlagsAJump() {
        // Alpha 0.1 as the docs advise: with 0.2 the variance follows about the last 10 values only, and
        // its estimate is then often low enough for a 3-sigma noise value to look like 4 sigma.
        Detector.Series s = Detectors.ewma("pressure", 0.1, 30, 4).newSeries();
        Random random = new Random(3);
        double level = 1000;
        for (int i = 0; i < 300; i++) {
            level += 0.02; // slow drift: 6 hPa over the run
            Verdict v = s.next(level + random.nextGaussian() * 0.1, T0.plusSeconds(i));
            if (i >= 30) {
                assertThat(v.anomalous()).as("value %d, slow drift", i).isFalse();
            }
        }
        Verdict jump = s.next(level + 5, T0.plusSeconds(300));
        assertThat(jump.anomalous()).isTrue();
        assertThat(jump.reason()).contains("from the EWMA");
        // The baseline followed the drift (it started 6 hPa lower), lagging it by about slope / alpha.
        assertThat(jump.expectedMin()).isLessThan(level).isGreaterThan(level - 1.5);
    }

    @Test
    void ewmaMeanAndVarianceAreTheExponentiallyWeightedOnes() {
        // With alpha 0.5 over 0, 2: mean 1, variance 0.5 * (0 + 2 * 1) = 1; so the range is 1 ± 3.
        Detector.Series s = Detectors.ewma("x", 0.5, 2, 3).newSeries();
        s.next(0, T0);
        s.next(2, T0);
        Verdict v = s.next(1, T0);
        assertThat(v.expectedMin()).isCloseTo(-2, within(1e-12));
        assertThat(v.expectedMax()).isCloseTo(4, within(1e-12));
    }

    @Test
    void badSettingsSayWhatTheyTake() {
        assertThatThrownBy(() -> Detectors.zScore("t", 1, 1, 3)).hasMessageContaining("window is 1");
        assertThatThrownBy(() -> Detectors.zScore("t", 10, 11, 3)).hasMessageContaining("warmUp is 11");
        assertThatThrownBy(() -> Detectors.zScore("t", 10, 5, 0)).hasMessageContaining("sensitivity is 0.0");
        assertThatThrownBy(() -> Detectors.ewma("t", 1, 5, 3)).hasMessageContaining("alpha is 1.0");
        assertThatThrownBy(() -> Detectors.rateOfChange("t", 0, Duration.ofMinutes(1)))
                .hasMessageContaining("maxChange is 0.0");
        assertThatThrownBy(() -> Detectors.rateOfChange("t", 1, Duration.ZERO)).hasMessageContaining("per is PT0S");
        assertThatThrownBy(() -> Detectors.above(" ", 1)).hasMessageContaining("needs the payload field");
    }
}
