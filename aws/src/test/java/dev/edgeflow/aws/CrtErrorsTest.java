package dev.edgeflow.aws;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeflow.aws.internal.CrtErrors;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.crt.CRT;

/** The CRT's error codes become sentences that say what to check; unknown ones keep the CRT's own text. */
class CrtErrorsTest {
    private static final String TARGET = "mqtts://abc-ats.iot.eu-west-1.amazonaws.com:8883 (client id rpi-01)";

    /** The CRT's codes are not constants in its Java API; find one by its name. */
    private static int code(String name) {
        new CRT(); // loads the native library
        for (int c = 1; c < 20_000; c++) {
            if (name.equals(CRT.awsErrorName(c))) {
                return c;
            }
        }
        throw new AssertionError("no CRT error named " + name);
    }

    @Test
    void aRefusedConnectionAsksAboutEndpointAndPort() {
        AwsIotException e = CrtErrors.describe(code("AWS_IO_SOCKET_CONNECTION_REFUSED"), TARGET, null);
        assertThat(e.getMessage()).contains(TARGET).contains("nothing accepts connections").contains("8883")
                .contains("443");
        assertThat(e.errorName()).isEqualTo("AWS_IO_SOCKET_CONNECTION_REFUSED");
        assertThat(e.isPermanent()).isFalse();
    }

    @Test
    void aDnsFailurePointsAtDescribeEndpoint() {
        AwsIotException e = CrtErrors.describe(code("AWS_IO_DNS_INVALID_NAME"), TARGET, null);
        assertThat(e.getMessage()).contains("cannot be resolved").contains("describe-endpoint");
    }

    @Test
    void aTlsNegotiationFailureIsPermanentAndNamesBothCauses() {
        int tls = code("AWS_IO_TLS_ERROR_NEGOTIATION_FAILURE");
        assertThat(CrtErrors.isTlsFailure(tls)).isTrue();
        AwsIotException e = CrtErrors.describe(tls, TARGET, null);
        assertThat(e.isPermanent()).isTrue();
        assertThat(e.getMessage()).contains("CA file").contains("client certificate");
    }

    @Test
    void anUnlistedCodeKeepsTheCrtsSentence() {
        int code = code("AWS_ERROR_OOM");
        AwsIotException e = CrtErrors.describe(code, TARGET, null);
        assertThat(e.getMessage()).contains(CRT.awsErrorString(code)).contains("AWS_ERROR_OOM");
    }
}
