#!/bin/sh
# Writes what a Kafka broker or client of a KafkaWorkflow needs for SASL_SSL from the Secrets mounted as files, so
# no password reaches an argv, the environment or a ConfigMap.
#
# Usage:
#   write-config.sh broker <tls dir> <passwords dir> <properties file> <keystore file>
#     <tls dir> holds tls.crt (the certificate chain), tls.key (its PKCS#8 private key) and ca.crt; <passwords dir>
#     holds broker-password and client-password. Writes the PEM keystore (key, then chain) and appends to the
#     broker's rendered properties the SASL/PLAIN JAAS settings of its two listeners: the client listener (SASL_SSL)
#     knows the users `broker` and `client`, the controller listener only `broker`; the broker logs in as `broker`
#     on both (inter-broker and controller traffic).
#   write-config.sh client <ca file> <password file> <properties file>
#     Writes a client's properties (kafka-topics.sh --command-config): SASL_SSL, PLAIN as `client`, the CA as a
#     PEM truststore.
#
# A password is copied by sed from file to file: it is never in a variable or an argument. One trailing line break
# (`kubectl create secret --from-file`) is dropped. An empty password, one of several lines, or one with `"` or `\`
# is refused (the JAAS value is a double-quoted string, and Java's properties reader would eat a `\`).
set -eu
mode=$1
shift

check_password() {
  if [ ! -s "$1" ]; then
    echo "kafka-auth: the password file $1 is missing or empty" >&2
    exit 1
  fi
  lines=$(sed -n '$=' "$1")
  if [ "$lines" != 1 ]; then
    echo "kafka-auth: the password in $1 must be one line, it has $lines" >&2
    exit 1
  fi
  if ! grep -q . "$1"; then
    echo "kafka-auth: the password in $1 is empty" >&2
    exit 1
  fi
  if grep -q '["\\]' "$1"; then
    printf '%s\n' "kafka-auth: the password in $1 must not contain a double quote or a backslash" >&2
    exit 1
  fi
}

# password <file>: the password, without its line break, to stdout
password() {
  tr -d '\n' < "$1"
}

module='org.apache.kafka.common.security.plain.PlainLoginModule required'
umask 077
case "$mode" in
  broker)
    tls=$1
    passwords=$2
    properties=$3
    keystore=$4
    for f in tls.crt tls.key ca.crt; do
      if [ ! -s "$tls/$f" ]; then
        echo "kafka-auth: $tls/$f is missing or empty (the TLS Secret needs tls.crt, tls.key and ca.crt)" >&2
        exit 1
      fi
    done
    if ! grep -q -- '-----BEGIN PRIVATE KEY-----\|-----BEGIN ENCRYPTED PRIVATE KEY-----' "$tls/tls.key"; then
      echo "kafka-auth: $tls/tls.key must be a PKCS#8 PEM key (BEGIN PRIVATE KEY): Kafka's PEM keystore reads no other (cert-manager: privateKey.encoding: PKCS8)" >&2
      exit 1
    fi
    check_password "$passwords/broker-password"
    check_password "$passwords/client-password"
    cat "$tls/tls.key" "$tls/tls.crt" > "$keystore.tmp"
    mv "$keystore.tmp" "$keystore"
    {
      printf '\n# SASL/PLAIN users, written at start from the passwords Secret\n'
      printf 'listener.name.sasl_ssl.plain.sasl.jaas.config=%s username="broker" password="' "$module"
      password "$passwords/broker-password"
      printf '" user_broker="'
      password "$passwords/broker-password"
      printf '" user_client="'
      password "$passwords/client-password"
      printf '";\n'
      printf 'listener.name.controller.plain.sasl.jaas.config=%s username="broker" password="' "$module"
      password "$passwords/broker-password"
      printf '" user_broker="'
      password "$passwords/broker-password"
      printf '";\n'
    } >> "$properties"
    ;;
  client)
    ca=$1
    secret=$2
    properties=$3
    check_password "$secret"
    {
      printf 'security.protocol=SASL_SSL\nsasl.mechanism=PLAIN\nssl.truststore.type=PEM\nssl.truststore.location=%s\n' "$ca"
      printf 'sasl.jaas.config=%s username="client" password="' "$module"
      password "$secret"
      printf '";\n'
    } > "$properties.tmp"
    mv "$properties.tmp" "$properties"
    ;;
  *)
    echo "kafka-auth: unknown mode '$mode' (broker or client)" >&2
    exit 2
    ;;
esac
