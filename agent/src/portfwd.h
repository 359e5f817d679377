#ifndef MVM_PORTFWD_H
#define MVM_PORTFWD_H
/* Inbound port forwards (docs/adr/0011-port-forwards.md): spec is the kernel command line's
 * mvm.fwd value, "RELAY-GUEST[,RELAY-GUEST...]". Forks one relay process that listens on
 * 10.0.2.15:RELAY (reached only through the host's QEMU hostfwd) and splices each connection to
 * 127.0.0.1:GUEST, where the workload's service listens. Empty spec: nothing happens. */
void portfwd_start(const char *spec);
#endif
