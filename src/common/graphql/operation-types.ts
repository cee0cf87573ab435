import { GraphQLError, OperationTypeNode, type ASTVisitor, type ValidationContext } from 'graphql';

// graphql-js 16 validates a subscription against a schema without a Subscription type as valid
// and fails only while executing it; refuse it with the other document errors instead.
export function knownOperationTypesRule(context: ValidationContext): ASTVisitor {
  const schema = context.getSchema();
  return {
    OperationDefinition(operation) {
      const root =
        operation.operation === OperationTypeNode.QUERY
          ? schema.getQueryType()
          : operation.operation === OperationTypeNode.MUTATION
            ? schema.getMutationType()
            : schema.getSubscriptionType();
      if (!root) {
        context.reportError(
          new GraphQLError(`This API has no ${operation.operation} operations; send a query or a mutation.`, {
            nodes: [operation],
          }),
        );
      }
    },
  };
}
