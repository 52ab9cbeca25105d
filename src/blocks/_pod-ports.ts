import * as kplus from 'cdk8s-plus-27';
import { IConstruct } from 'constructs';
import { isPortName } from '../core/_syntax';
import { PropCheck } from '../core/errors';
import { propError } from '../core/prop-error';

// Internal: the ports of one pod. Its containers share one network namespace, so a port number is the pod's, not
// a container's, and a port name must be unique in the pod (Services and probes refer to it). Every pattern that
// puts containers into a pod claims their ports here, so the clash checks and the name rule exist once.

/** One port of the pod. */
export interface PortClaim {
  /** The container that listens on it. */
  readonly container: string;
  /** The port number. */
  readonly number: number;
  /** The port name, when it has one. */
  readonly name?: string;
}

/** What a claim is checked against, for the message. */
export interface ClaimOptions {
  /** The container that listens. */
  readonly container: string;
  /** The number. */
  readonly number: number;
  /** The prop that set the number. */
  readonly numberProp: string;
  /** The name, if the port is named. */
  readonly name?: string;
  /** The prop that set the name. */
  readonly nameProp?: string;
}

/** The port ledger of one pod. */
export class PodPorts {
  /** A ledger holding every port the containers of `pod` already declare. */
  public static of(owner: IConstruct, pod: kplus.AbstractPod): PodPorts {
    const ledger = new PodPorts(owner);
    for (const c of [...pod.containers, ...pod.initContainers]) {
      for (const p of c.ports) ledger.list.push({ container: c.name, number: p.number, name: p.name });
    }
    return ledger;
  }

  private readonly list: PortClaim[] = [];

  /** @param owner the construct whose props are checked (for messages) */
  public constructor(private readonly owner: IConstruct) {}

  /** Every claim so far (a copy). */
  public get claims(): PortClaim[] {
    return [...this.list];
  }

  /** The claim of `number`, if any. */
  public byNumber(number: number): PortClaim | undefined {
    return this.list.find((c) => c.number === number);
  }

  /** The claim named `name`, if any. */
  public byName(name: string): PortClaim | undefined {
    return this.list.find((c) => c.name === name);
  }

  /**
   * Claims a port: the number must be a port from 1 to 65535 no container of the pod listens on, the name (when
   * given) an IANA service name no port of the pod has.
   */
  public claim(o: ClaimOptions): PortClaim {
    PropCheck.integer(this.owner, o.numberProp, 1, 65535, 0, o.number);
    const taken = this.byNumber(o.number);
    if (taken) {
      throw propError(this.owner, o.numberProp, `a port no other container of the pod listens on (the containers share one network; container '${taken.container}' has ${o.number})`, o.number);
    }
    if (o.name !== undefined) {
      const nameProp = o.nameProp ?? `${o.numberProp}Name`;
      if (!isPortName(o.name)) {
        throw propError(this.owner, nameProp, 'a port name (an IANA service name: at most 15 characters, lowercase letters, digits and single \'-\', with a letter)', o.name);
      }
      const named = this.byName(o.name);
      if (named) throw propError(this.owner, nameProp, `unique in the pod (container '${named.container}' has a port named '${o.name}')`, o.name);
    }
    const claim = { container: o.container, number: o.number, name: o.name };
    this.list.push(claim);
    return claim;
  }
}
