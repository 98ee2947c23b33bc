// librabbitmq 0.11 (Debian librabbitmq-dev, pkg-config "librabbitmq").
#include <amqp.h>
#include <amqp_framing.h>
#include <amqp_tcp_socket.h>
#include <amqp_ssl_socket.h>

// amqp_login is variadic (Swift cannot call it): PLAIN login with user and password.
static inline amqp_rpc_reply_t sluice_amqp_login_plain(
    amqp_connection_state_t state, const char *vhost, int channel_max, int frame_max, int heartbeat,
    const char *user, const char *password) {
    return amqp_login(state, vhost, channel_max, frame_max, heartbeat, AMQP_SASL_METHOD_PLAIN, user, password);
}

// The method ids are macros with casts, which Swift does not import.
static const amqp_method_number_t sluice_amqp_basic_ack_method = AMQP_BASIC_ACK_METHOD;
static const amqp_method_number_t sluice_amqp_basic_nack_method = AMQP_BASIC_NACK_METHOD;
static const amqp_method_number_t sluice_amqp_basic_return_method = AMQP_BASIC_RETURN_METHOD;
static const amqp_method_number_t sluice_amqp_basic_cancel_method = AMQP_BASIC_CANCEL_METHOD;
static const amqp_method_number_t sluice_amqp_channel_close_method = AMQP_CHANNEL_CLOSE_METHOD;
static const amqp_method_number_t sluice_amqp_connection_close_method = AMQP_CONNECTION_CLOSE_METHOD;
static const amqp_method_number_t sluice_amqp_basic_deliver_method = AMQP_BASIC_DELIVER_METHOD;
static const amqp_flags_t sluice_amqp_flag_content_type = AMQP_BASIC_CONTENT_TYPE_FLAG;
static const amqp_flags_t sluice_amqp_flag_headers = AMQP_BASIC_HEADERS_FLAG;
static const amqp_flags_t sluice_amqp_flag_delivery_mode = AMQP_BASIC_DELIVERY_MODE_FLAG;
