internal import CRabbitMQ

/// `amqps://`: the certificates a TLS socket trusts and presents, and errors that say
/// which of them a failed handshake points at.
extension AMQPConnection {
    /// Loads the CA, the client certificate and key, and the verification switches into a
    /// fresh `amqp_ssl_socket_new` socket (before it is opened).
    /// - Throws: `AMQPError` `.invalidConfiguration` (not retryable) for an unreadable file.
    static func configureTLS(_ socket: OpaquePointer, _ tls: AMQPConfiguration.TLS) throws {
        amqp_ssl_socket_set_verify_peer(socket, tls.verify ? 1 : 0)
        amqp_ssl_socket_set_verify_hostname(socket, tls.verify ? 1 : 0)
        // TLS 1.2 or later: older versions are broken and RabbitMQ 3.10 does not need them.
        _ = amqp_ssl_socket_set_ssl_versions(socket, AMQP_TLSv1_2, AMQP_TLSvLATEST)
        if let ca = tls.caCertificate, amqp_ssl_socket_set_cacert(socket, ca) != AMQP_STATUS_OK.rawValue {
            throw AMQPError(
                .invalidConfiguration, operation: "connect", serverMessage: "cannot load the CA file cacert=\(ca)", isRetryable: false)
        }
        if let certificate = tls.clientCertificate {
            // One PEM file may hold both the certificate and its key.
            let key = tls.clientKey ?? certificate
            if amqp_ssl_socket_set_key(socket, certificate, key) != AMQP_STATUS_OK.rawValue {
                throw AMQPError(
                    .invalidConfiguration, operation: "connect",
                    serverMessage: "cannot load the client certificate cert=\(certificate) with key=\(key)", isRetryable: false)
            }
        } else if tls.clientKey != nil {
            throw AMQPError(.invalidConfiguration, operation: "connect", serverMessage: "key= needs cert=", isRetryable: false)
        }
    }
}

extension AMQPConfiguration.TLS {
    /// Said after a TLS connection dropped during login: TLS 1.3 servers check the
    /// client's certificate after the handshake, so a missing or refused one shows there.
    var loginFailureHint: String {
        if let clientCertificate {
            "(over TLS: the broker may have refused the client certificate cert=\(clientCertificate))"
        } else {
            "(over TLS: the broker may require a client certificate; set cert= and key=)"
        }
    }

    /// What a failed TLS open (`AMQP_STATUS_SSL_*`) means in this configuration's terms.
    func explain(status: Int32, host: String) -> String? {
        switch status {
        case AMQP_STATUS_SSL_PEER_VERIFY_FAILED.rawValue:
            "TLS: the broker's certificate is not signed by a trusted CA (cacert=\(caCertificate ?? "not set"))"
        case AMQP_STATUS_SSL_HOSTNAME_VERIFY_FAILED.rawValue:
            "TLS: the broker's certificate does not name the host \(host)"
        case AMQP_STATUS_SSL_CONNECTION_FAILED.rawValue, AMQP_STATUS_SSL_ERROR.rawValue:
            "TLS handshake failed (is it a TLS port? does the broker require a client certificate?)"
        default: nil
        }
    }
}
