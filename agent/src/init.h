#ifndef MVM_INIT_H
#define MVM_INIT_H
/* PID-1 mode: boot the guest, then supervise the agent and the command service. Never returns. */
int init_main(void);
#endif
